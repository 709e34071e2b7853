// Command mkfiles is the small-file workload of bench/run.sh: it creates
// N files of SIZE bytes each in DIR from one process, one after the
// other (create, write, close), so the time measured is the file system's
// and not that of starting N processes.
//
// Usage:
//
//	mkfiles [-n 20000] [-size 1024] DIR
package main
