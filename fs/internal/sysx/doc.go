// Package sysx holds the stateless system-call helpers of package fs:
// descriptor /proc paths, random temporary-name suffixes, full reads and
// writes, and getxattrat/listxattrat (Linux 6.13) without following
// symlinks. Nothing here knows the format or holds state.
package sysx
