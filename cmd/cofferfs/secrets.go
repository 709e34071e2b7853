package main

// interruptible runs f, a key derivation (scrypt), in a goroutine and
// waits for it or for SIGINT/SIGTERM (the context), whichever comes
// first: scrypt itself cannot be stopped, so on a signal the command
// returns the interrupt exit code and the process ends with the
// derivation still running. f must own every buffer it touches.
func (e *env) interruptible(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-e.ctx.Done():
		return failf(exitSigInt, "interrupted during key derivation")
	}
}
