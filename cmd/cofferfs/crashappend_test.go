package main

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrashDuringAppends kills the daemon with SIGKILL while writers
// append large chunks (the writes the daemon defers, write-behind) and
// fsync now and then, then repairs, remounts and checks that each file
// holds at least everything its last successful fsync covered, and
// nothing but a prefix of what was written.
func TestCrashDuringAppends(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	const chunk, files = 256 << 10, 2
	stream := make([][]byte, files)
	for i := range stream {
		stream[i] = make([]byte, 64<<20)
		rng.Read(stream[i])
	}
	for crash := 0; crash < 4; crash++ {
		c.must("mount", "--passfile", pw, cipher, mnt)
		pid := daemonPID(t, c, mnt)
		synced := make([]int, files)
		var wg sync.WaitGroup
		for i := 0; i < files; i++ {
			wg.Add(1)
			every := rng.Intn(4) + 1 // drawn here: rng is not safe for concurrent use
			go func() {
				defer wg.Done()
				synced[i] = appendUntilError(filepath.Join(mnt, "f"+string(rune('0'+i))), stream[i], chunk, every)
			}()
		}
		time.Sleep(time.Duration(20+rng.Intn(250)) * time.Millisecond)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// kill returns before the daemon is gone; until it is, its vault
		// claim holds and fsck --repair would be refused as busy.
		if !waitExit(pid, 10*time.Second) {
			t.Fatal("daemon did not die")
		}
		wg.Wait()
		c.must("unmount", mnt)
		repairAfterCrash(t, c, cipher, pw)
		c.must("mount", "--passfile", pw, cipher, mnt)
		for i := 0; i < files; i++ {
			got, err := os.ReadFile(filepath.Join(mnt, "f"+string(rune('0'+i))))
			if err != nil {
				t.Errorf("crash %d: read f%d: %v", crash, i, err)
				continue
			}
			t.Logf("crash %d: f%d has %d bytes, %d synced", crash, i, len(got), synced[i])
			if len(got) < synced[i] || len(got) > len(stream[i]) || !bytes.Equal(got, stream[i][:len(got)]) {
				t.Errorf("crash %d: f%d (%d bytes) is not a prefix of the written stream at least %d bytes long", crash, i, len(got), synced[i])
			}
		}
		c.must("unmount", mnt)
		if t.Failed() {
			t.Fatalf("crash %d (seed %d) lost fsynced data or changed data", crash, seed)
		}
	}
}

// appendUntilError writes data to path in chunks from the start, with an
// fsync every syncEvery chunks, until a call fails (the daemon died) or
// data is written. It returns the bytes the last successful fsync covered.
func appendUntilError(path string, data []byte, chunk, syncEvery int) int {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0
	}
	defer f.Close()
	synced := 0
	for off, n := 0, 0; off < len(data); off += chunk {
		if _, err := f.Write(data[off : off+chunk]); err != nil {
			return synced
		}
		if n++; n%syncEvery == 0 {
			if f.Sync() != nil {
				return synced
			}
			synced = off + chunk
		}
	}
	if f.Sync() == nil {
		synced = len(data)
	}
	return synced
}
