package main

import (
	"os"
	"strings"
	"testing"
)

// "cofferfs mount" picks io_uring when the kernel offers it (auto) and
// /dev/fuse otherwise, "status" shows which, and --transport uring fails
// with a clear error when the kernel does not offer it. .ci/run runs
// this once with enable_uring off and once with it on.
func TestLifecycleTransport(t *testing.T) {
	inModes(t, testLifecycleTransport)
}

func testLifecycleTransport(t *testing.T, md lifeMode) {
	c, cipher, mnt, pw := newLifecycleMode(t, md)
	b, _ := os.ReadFile("/sys/module/fuse/parameters/enable_uring")
	on := strings.TrimSpace(string(b)) == "Y"
	want := "dev"
	if on {
		want = "uring"
	}
	c.must(md.args("mount", "--passfile", pw, cipher, mnt)...)
	if got := statusField(c, mnt, "TRANSPORT"); got != want {
		t.Errorf("status shows transport %q with enable_uring=%v, want %q", got, on, want)
	}
	c.must("unmount", mnt)
	if on {
		return
	}
	_, errs, code := c.run(md.args("mount", "--transport", "uring", "--passfile", pw, cipher, mnt)...)
	if code == 0 || !strings.Contains(errs, "enable_uring") {
		t.Errorf("mount --transport uring with enable_uring off: exit %d, stderr %q", code, errs)
	}
	if isMounted(t, mnt) {
		t.Error("the failed mount left something mounted")
	}
	_, errs, code = c.run(md.args("mount", "--transport", "ring", "--passfile", pw, cipher, mnt)...)
	if code == 0 || !strings.Contains(errs, "unknown transport") {
		t.Errorf("mount --transport ring: exit %d, stderr %q", code, errs)
	}
}
