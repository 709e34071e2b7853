package mount

import (
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// killPrivFS makes the daemon, not the kernel, clear the set-user-ID and
// set-group-ID bits when a file is written or truncated
// (FUSE_HANDLE_KILLPRIV_V2).
//
// Without that capability the kernel refreshes a file's attributes
// before every chown (a GETATTR), one round trip per file that tar
// extracts. With it, the kernel flags the requests whose caller lacks
// CAP_FSETID, and the rule of the local file systems is applied here: a
// write or truncate clears set-user-ID, and set-group-ID when the group
// may execute. A chown reaches the backing file, whose own file system
// clears the bits as usual. The kernel still removes a security.capability
// attribute on write itself.
//
// A daemon that is not root lacks CAP_FSETID itself, so the backing file
// system already clears the bits on its writes and truncates; only a
// root daemon (which keeps them) acts here.
type killPrivFS struct {
	fuse.RawFileSystem
	root bool // the daemon runs as root
}

// Writev implements fuse.RawFileSystem (go-fuse's WRITE path).
func (k killPrivFS) Writev(cancel <-chan struct{}, in *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	n, st := k.RawFileSystem.Writev(cancel, in, data)
	k.afterWrite(cancel, in, n, st)
	return n, st
}

// Write implements fuse.RawFileSystem (used where Writev is not).
func (k killPrivFS) Write(cancel <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	n, st := k.RawFileSystem.Write(cancel, in, data)
	k.afterWrite(cancel, in, n, st)
	return n, st
}

func (k killPrivFS) afterWrite(cancel <-chan struct{}, in *fuse.WriteIn, n uint32, st fuse.Status) {
	if k.root && st.Ok() && n > 0 && in.WriteFlags&fuse.WRITE_KILL_SUIDGID != 0 {
		k.kill(cancel, &in.InHeader, in.Fh)
	}
}

// Open implements fuse.RawFileSystem. OpenIn.Mode holds the open flags.
func (k killPrivFS) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	st := k.RawFileSystem.Open(cancel, in, out)
	if k.root && st.Ok() && in.Mode&fuse.OPEN_KILL_SUIDGID != 0 && in.Flags&syscall.O_TRUNC != 0 {
		k.kill(cancel, &in.InHeader, out.Fh)
	}
	return st
}

// SetAttr implements fuse.RawFileSystem. It also gives the reply the
// attribute timeout, which go-fuse leaves at 0 for SETATTR; with 0 the
// kernel sends a GETATTR right after.
func (k killPrivFS) SetAttr(cancel <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	st := k.RawFileSystem.SetAttr(cancel, in, out)
	if st.Ok() && out.Timeout() == 0 {
		out.SetTimeout(attrTimeout)
	}
	if !k.root || !st.Ok() || in.Valid&fuse.FATTR_KILL_SUIDGID == 0 || in.Valid&fuse.FATTR_SIZE == 0 {
		return st
	}
	if mode, ok := killedMode(out.Mode); ok {
		fh, _ := in.GetFh()
		k.chmod(cancel, &in.InHeader, fh, mode, out) // out keeps the old bits on failure
	}
	return st
}

// kill clears the bits of the node in h, if it has them. Errors are
// dropped: the write itself succeeded, as on a local file system.
func (k killPrivFS) kill(cancel <-chan struct{}, h *fuse.InHeader, fh uint64) {
	in := fuse.GetAttrIn{InHeader: *h}
	if fh != 0 {
		in.Flags_, in.Fh_ = fuse.FUSE_GETATTR_FH, fh
	}
	var attr fuse.AttrOut
	if !k.RawFileSystem.GetAttr(cancel, &in, &attr).Ok() {
		return
	}
	if mode, ok := killedMode(attr.Mode); ok {
		k.chmod(cancel, h, fh, mode, &attr)
	}
}

// chmod sets the permission bits of the node in h and updates out.
func (k killPrivFS) chmod(cancel <-chan struct{}, h *fuse.InHeader, fh uint64, mode uint32, out *fuse.AttrOut) {
	in := fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{InHeader: *h, Valid: fuse.FATTR_MODE, Mode: mode}}
	if fh != 0 {
		in.Valid |= fuse.FATTR_FH
		in.Fh = fh
	}
	var res fuse.AttrOut
	if k.RawFileSystem.SetAttr(cancel, &in, &res).Ok() {
		res.SetTimeout(attrTimeout)
		*out = res
	}
}

// killedMode returns mode without set-user-ID, and without set-group-ID
// when the group may execute, and whether that changed anything.
func killedMode(mode uint32) (uint32, bool) {
	kill := uint32(syscall.S_ISUID)
	if mode&syscall.S_IXGRP != 0 {
		kill |= syscall.S_ISGID
	}
	if mode&kill == 0 {
		return mode, false
	}
	return mode &^ kill & 07777, true
}
