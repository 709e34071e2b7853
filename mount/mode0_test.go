package mount_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCreateModeZero checks that open(O_CREAT, 0), mkdir(0) and
// mknod(0) make entries with mode 0 (pjdfstest open/26.t), and that the
// descriptor that created the file can still write it.
func TestCreateModeZero(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "f")
	fd, err := unix.Open(p, unix.O_CREAT|unix.O_WRONLY|unix.O_EXCL, 0)
	must(t, err)
	if _, err := unix.Write(fd, []byte("written through the creating fd")); err != nil {
		t.Errorf("write through the creating descriptor: %v", err)
	}
	var st unix.Stat_t
	must(t, unix.Fstat(fd, &st))
	if st.Mode != unix.S_IFREG {
		t.Errorf("fstat of the new file: mode %#o, want %#o", st.Mode, unix.S_IFREG)
	}
	must(t, unix.Close(fd))
	wantStat(t, p, 31, unix.S_IFREG)

	d := filepath.Join(mnt, "d")
	must(t, unix.Mkdir(d, 0))
	wantStat(t, d, lstat(t, d).Size, unix.S_IFDIR)
	fifo := filepath.Join(mnt, "fifo")
	must(t, unix.Mknod(fifo, unix.S_IFIFO, 0))
	wantStat(t, fifo, 0, unix.S_IFIFO)
}
