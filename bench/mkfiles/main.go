package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	n := flag.Int("n", 20000, "number of files")
	size := flag.Int("size", 1024, "bytes per file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mkfiles [-n N] [-size BYTES] DIR")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fatal(err)
	}
	data := make([]byte, *size)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	for i := 0; i < *n; i++ {
		name := filepath.Join(dir, fmt.Sprintf("f%06d", i))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "mkfiles:", err)
	os.Exit(1)
}
