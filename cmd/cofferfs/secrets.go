package main

import "golang.org/x/sys/unix"

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

// hardenProcess keeps the keys this process may hold out of core dumps
// and out of reach of other processes of the same user: not dumpable
// (no core, no ptrace, /proc/PID/mem closed to the user) and a core size
// limit of 0 (the soft limit: the hard one is kept, so the job of
// "cofferfs run", which inherits the limit, may raise it again;
// dumpability is not inherited, exec resets it). Failures are ignored:
// this is defence in depth.
func hardenProcess() {
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_CORE, &rl) == nil {
		rl.Cur = 0
		unix.Setrlimit(unix.RLIMIT_CORE, &rl)
	}
}

// lockKey keeps the pages of a key out of swap where the memory-lock
// limit allows (the failure is ignored). The caller wipes the key.
func lockKey(key []byte) {
	if len(key) > 0 {
		unix.Mlock(key)
	}
}
