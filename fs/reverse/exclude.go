package reverse

import (
	"fmt"
	"regexp"
	"strings"
)

// pattern is one compiled gitignore line.
type pattern struct {
	re      *regexp.Regexp
	negate  bool // "!pattern": re-include
	dirOnly bool // "pattern/": matches directories only
}

// matcher holds gitignore patterns; the last matching pattern decides.
//
// A pattern matches a path when it matches the path itself or one of
// its parent directories, so a later "!pattern" can show what is below
// a directory an earlier pattern matched; a directory-only pattern
// ("name/") matches only what is below a matching directory, which
// stays in the view, empty. That is how gocryptfs -reverse applies its
// -exclude-wildcard and -exclude-from patterns (compared with it in
// exclude_live_test.go), where git would hide the directory itself.
type matcher struct{ pats []pattern }

// compilePatterns compiles gitignore lines. Blank lines and "#" comments
// are skipped; a pattern with a "/" before its end is anchored at the
// root, one without matches a name at any depth. A trailing "/**"
// matches the directory itself too.
func compilePatterns(lines []string) (*matcher, error) {
	m := &matcher{}
	for _, l := range lines {
		p, ok, err := compileLine(l)
		if err != nil {
			return nil, fmt.Errorf("reverse: exclude pattern %q: %w", l, err)
		}
		if ok {
			m.pats = append(m.pats, p)
		}
	}
	return m, nil
}

// compileLine compiles one line; ok is false for blank lines and comments.
func compileLine(l string) (p pattern, ok bool, err error) {
	l = trimTrailingSpace(l)
	if l == "" || strings.HasPrefix(l, "#") {
		return p, false, nil
	}
	if strings.HasPrefix(l, "!") {
		p.negate, l = true, l[1:]
	}
	if strings.HasSuffix(l, "/") {
		p.dirOnly, l = true, strings.TrimRight(l, "/")
	}
	anchored := strings.Contains(l, "/")
	l = strings.TrimPrefix(l, "/")
	if l == "" {
		return p, false, nil
	}
	expr := globToRegexp(l)
	if !anchored {
		expr = "(?:.*/)?" + expr
	}
	p.re, err = regexp.Compile("^" + expr + "$")
	return p, err == nil, err
}

// trimTrailingSpace drops trailing blanks that are not escaped.
func trimTrailingSpace(l string) string {
	l = strings.TrimRight(l, "\r\n")
	for strings.HasSuffix(l, " ") && !strings.HasSuffix(l, "\\ ") {
		l = l[:len(l)-1]
	}
	return l
}

// globToRegexp translates gitignore glob syntax: "**" spans directories,
// "*" and "?" stay within a name, [...] is a class, "\" escapes.
func globToRegexp(g string) string {
	var b strings.Builder
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "/**") && i+3 == len(g):
			b.WriteString("(?:/.*)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '\\' && i+1 < len(g):
			i++
			b.WriteString(regexp.QuoteMeta(g[i : i+1]))
		case c == '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := g[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(g[i : i+1]))
		}
	}
	return b.String()
}

// excluded reports whether the plain path rel is excluded by itself
// (callers walk from the root, so excluded parents are seen first).
func (m *matcher) excluded(rel string, isDir bool) bool {
	out := false
	for _, p := range m.pats {
		if p.matches(rel) {
			out = !p.negate
		}
	}
	return out
}

// matches reports whether p matches rel or one of its parents; a
// directory-only pattern matches parents only.
func (p *pattern) matches(rel string) bool {
	if !p.dirOnly && p.re.MatchString(rel) {
		return true
	}
	for i := strings.IndexByte(rel, '/'); i >= 0; i = nextSlash(rel, i) {
		if p.re.MatchString(rel[:i]) {
			return true
		}
	}
	return false
}

// nextSlash returns the index of the next "/" in s after i, or -1.
func nextSlash(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
