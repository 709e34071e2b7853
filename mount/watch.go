package mount

import (
	"errors"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cofferfs/cofferfs/fs"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"golang.org/x/sys/unix"
)

// The kernel caches entries, attributes, file pages and listings for
// cacheTimeout, far longer than a sync client takes to change the
// backing directory. So the backing directory of every directory node
// the kernel knows is watched with inotify (the watch is dropped when
// the kernel forgets the node), and what a sync client changes there is
// invalidated in the kernel (NotifyEntry, NotifyContent) and in fs's
// directory cache (InvalidateDir), from the watcher's goroutine, never
// from a handler. A directory the kernel does not know has nothing
// cached to invalidate.
//
// The mount's own changes are filtered (own): each handler that changes
// a name marks (directory, name) for ownWindow; events for a marked
// name are dropped. A change a sync client makes to the same name within
// that window is noticed when the cache times out. Invalidating an own
// change would be harmless, only a cost (one more LOOKUP).
//
// If the event queue overflows, every watched directory is listed and
// each of its names and children invalidated.

const (
	watchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
		unix.IN_ATTRIB | unix.IN_CLOSE_WRITE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF |
		unix.IN_ONLYDIR | unix.IN_EXCL_UNLINK
	// ownWindow is how long a change made through the mount mutes the
	// events of its name.
	ownWindow = 500 * time.Millisecond
)

// ownKey is a name in a directory node.
type ownKey struct {
	dir  *node
	name string
}

// watcher watches the backing directories of the directory nodes.
type watcher struct {
	v    *vault
	file *os.File      // the inotify descriptor, in the runtime's poller
	done chan struct{} // closed when run has returned

	warned atomic.Bool // a failed watch was logged (once per mount)

	mu   sync.Mutex
	dirs map[int32]*node
	own  map[ownKey]int64 // until (Unix nanoseconds)
}

// newWatcher starts watching; the root is watched once it is added.
func newWatcher(v *vault) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	w := &watcher{v: v, file: os.NewFile(uintptr(fd), "inotify"), done: make(chan struct{}),
		dirs: map[int32]*node{}, own: map[ownKey]int64{}}
	go w.run()
	return w, nil
}

// close stops the watcher and waits until it no longer uses the FS
// (which the caller may close next).
func (w *watcher) close() {
	if w != nil {
		w.file.Close()
		<-w.done
	}
}

// add watches the backing directory of directory node n, at plaintext
// path p (n may not be linked into the tree yet), once.
func (w *watcher) add(n *node, p string) {
	if w == nil || n.wd.Load() != 0 {
		return
	}
	err := w.v.fs.WithBackingDir(p, func(dirfd int) error {
		wd, err := unix.InotifyAddWatch(w.fd(), "/proc/self/fd/"+strconv.Itoa(dirfd), watchMask)
		if err != nil {
			return err
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if old := w.dirs[int32(wd)]; old != nil && old != n && !old.orphaned() {
			// The same directory, already watched: n is a node that
			// go-fuse discards in favour of old (a repeated LOOKUP).
			return nil
		}
		if n.wd.CompareAndSwap(0, int32(wd)) {
			w.dirs[int32(wd)] = n
		}
		return nil
	})
	// A directory not fully synced (no diriv yet) lists nothing the
	// kernel could cache; it is watched once a later LOOKUP finds it whole.
	if err != nil && !errors.Is(err, unix.ENOENT) && !fs.IsIncomplete(err) && !w.warned.Swap(true) {
		// ENOSPC: fs.inotify.max_user_watches is exhausted.
		w.v.log.Warn("cannot watch a backing directory; changes a sync client makes in it (and in others that fail the same way; logged once) show after the cache timeout", "path", p, "err", err)
	}
}

func (w *watcher) fd() int {
	var fd int
	if rc, err := w.file.SyscallConn(); err == nil {
		rc.Control(func(f uintptr) { fd = int(f) })
	}
	return fd
}

// remove drops the watch of n (forgotten by the kernel).
func (w *watcher) remove(n *node) {
	if w == nil {
		return
	}
	wd := n.wd.Swap(0)
	if wd == 0 {
		return
	}
	w.mu.Lock()
	if w.dirs[wd] == n {
		delete(w.dirs, wd)
	}
	w.mu.Unlock()
	unix.InotifyRmWatch(w.fd(), uint32(wd))
}

// mark records a change of name in dir made through the mount.
func (w *watcher) mark(dir *node, name string) {
	if w == nil {
		return
	}
	until := time.Now().Add(ownWindow).UnixNano()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.own) > 4096 {
		w.pruneLocked()
	}
	w.own[ownKey{dir, name}] = until
}

func (w *watcher) pruneLocked() {
	now := time.Now().UnixNano()
	for k, until := range w.own {
		if until < now {
			delete(w.own, k)
		}
	}
}

// isOwn reports whether name in dir changed through the mount lately.
func (w *watcher) isOwn(dir *node, name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	until, ok := w.own[ownKey{dir, name}]
	return ok && time.Now().UnixNano() < until
}

// event is one inotify event.
type event struct {
	wd   int32
	mask uint32
	name string
}

// run reads events until the descriptor is closed.
func (w *watcher) run() {
	defer close(w.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := w.file.Read(buf)
		if err != nil {
			return
		}
		w.handle(parseEvents(buf[:n]))
	}
}

func parseEvents(b []byte) []event {
	var out []event
	for len(b) >= unix.SizeofInotifyEvent {
		raw := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := unix.SizeofInotifyEvent + int(raw.Len)
		if end > len(b) {
			break
		}
		name := b[unix.SizeofInotifyEvent:end]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		out = append(out, event{wd: raw.Wd, mask: raw.Mask, name: string(name)})
		b = b[end:]
	}
	return out
}

// handle invalidates what a batch of events changed, each name once.
func (w *watcher) handle(evs []event) {
	seen := map[event]bool{}
	dirs := map[*node]bool{}
	for _, e := range evs {
		if e.mask&unix.IN_Q_OVERFLOW != 0 {
			w.refreshAll()
			return
		}
		if e.mask&unix.IN_IGNORED != 0 {
			w.forgetWD(e.wd)
			continue
		}
		isDir := e.mask&unix.IN_ISDIR != 0
		key := event{wd: e.wd, name: e.name, mask: e.mask & unix.IN_ISDIR}
		if seen[key] {
			continue
		}
		seen[key] = true
		if d := w.node(e.wd); d != nil && w.changed(d, e.name, isDir) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		d.NotifyContent(0, 0) // the directory's attributes and cached listing
	}
}

func (w *watcher) node(wd int32) *node {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dirs[wd]
}

func (w *watcher) forgetWD(wd int32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := w.dirs[wd]; n != nil {
		n.wd.CompareAndSwap(wd, 0)
		delete(w.dirs, wd)
	}
}

// changed invalidates backing name disk of directory d and reports
// whether d's own attributes and listing must be invalidated too.
func (w *watcher) changed(d *node, disk string, isDir bool) bool {
	if d.orphaned() {
		return false
	}
	if disk == "" { // the directory itself (its attributes)
		name, p := d.Parent()
		if p == nil { // the root
			return true
		}
		pn, _ := p.Operations().(*node)
		return pn == nil || !w.isOwn(pn, name)
	}
	dir := d.path()
	plain, err := w.v.fs.PlainName(dir, disk)
	switch {
	case errors.Is(err, fs.ErrInternalName):
		return false
	case err != nil:
		w.refresh(d)
		return true
	case w.isOwn(d, plain):
		return false
	}
	if isDir {
		w.v.fs.InvalidateDir(join(dir, plain))
	}
	d.NotifyEntry(plain)
	if ch := d.GetChild(plain); ch != nil {
		ch.NotifyContent(0, 0)
	}
	return true
}

// refresh invalidates every name of directory d: its children and
// whatever its listing holds now (for negative entries).
func (w *watcher) refresh(d *node) {
	if d.orphaned() {
		return
	}
	dir := d.path()
	w.v.fs.InvalidateDir(dir)
	if ents, err := w.v.fs.ReadDir(dir); err == nil {
		for _, e := range ents {
			d.NotifyEntry(e.Name)
		}
	}
	for name, ch := range d.Children() {
		d.NotifyEntry(name)
		ch.NotifyContent(0, 0)
	}
	d.NotifyContent(0, 0)
}

// refreshAll refreshes every watched directory (the queue overflowed).
func (w *watcher) refreshAll() {
	w.mu.Lock()
	all := make([]*node, 0, len(w.dirs))
	for _, n := range w.dirs {
		all = append(all, n)
	}
	w.mu.Unlock()
	w.v.fs.InvalidateDir("")
	for _, n := range all {
		w.refresh(n)
	}
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

var _ = (fusefs.NodeOnForgetter)((*node)(nil))

// OnForget implements fusefs.NodeOnForgetter: the kernel has forgotten
// n, so its backing directory needs no watch any more.
func (n *node) OnForget() {
	n.v.watch.remove(n)
}
