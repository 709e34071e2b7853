package mount

// WithRingPayload returns o with the payload size of the io_uring
// entries set to n, so that a test can make the kernel refuse the
// registration (it wants at least max_write bytes).
func WithRingPayload(o Options, n int) Options {
	o.ringPayload = n
	return o
}

// RingHandedOff returns how many requests the io_uring queues answered
// on goroutines of their own (0 over /dev/fuse).
func RingHandedOff(s *Server) uint64 {
	if s.srv.ring == nil {
		return 0
	}
	return s.srv.ring.HandedOff()
}
