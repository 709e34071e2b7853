package mount

// WithRingPayload returns o with the payload size of the io_uring
// entries set to n, so that a test can make the kernel refuse the
// registration (it wants at least max_write bytes).
func WithRingPayload(o Options, n int) Options {
	o.ringPayload = n
	return o
}
