package main

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeExitCodes checks that the README's exit-code table lists
// exactly the codes of exitCodes, in the same order.
func TestReadmeExitCodes(t *testing.T) {
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile(`^\| (\d+) \|`)
	var readme []int
	in := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			in = line == "### Exit codes"
		case in:
			if m := row.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				readme = append(readme, n)
			}
		}
	}
	var want []int
	for _, c := range exitCodes {
		want = append(want, c.code)
	}
	if !slices.Equal(readme, want) {
		t.Errorf("README exit codes %v, exitcodes.go has %v", readme, want)
	}
}

// TestDocUsage checks that the usage list in doc.go is the command table.
func TestDocUsage(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	for _, line := range strings.Split(string(b), "\n") {
		if s, ok := strings.CutPrefix(line, "//\tcofferfs "); ok {
			doc = append(doc, s)
		}
	}
	var want []string
	for _, c := range commands {
		want = append(want, strings.TrimSpace(c.name+" "+c.args))
	}
	if !slices.Equal(doc, want) {
		t.Errorf("doc.go usage:\n%s\ncommand table:\n%s", strings.Join(doc, "\n"), strings.Join(want, "\n"))
	}
}
