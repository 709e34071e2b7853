package manifest

// Merging the statements of all manifests: for every backing path the
// newest statement (highest Since) wins; statements of equal Since that
// disagree (two machines changed one entry in the same round) all count.

// view is the merged expectation about the vault.
type view struct {
	// winners are the newest statements per path.
	winners map[string][]stated
	// all are all statements per path (any age), for "is this an old
	// version?".
	all map[string][]stated
	// byID maps a file ID (as a string) to the path a live winner has it at.
	byID map[string]string
}

// stated is a statement with the writer who made it.
type stated struct {
	Entry
	writer string
}

// merge builds the view of a set.
func (s *Set) merge() *view {
	v := &view{winners: map[string][]stated{}, all: map[string][]stated{}, byID: map[string]string{}}
	for _, m := range s.Manifests {
		for _, e := range m.Entries {
			st := stated{Entry: e, writer: m.Writer}
			v.all[e.Path] = append(v.all[e.Path], st)
			v.offer(st)
		}
	}
	for p, ws := range v.winners {
		for _, w := range ws {
			if !w.Deleted && len(w.FileID) > 0 {
				v.byID[string(w.FileID)] = p
			}
		}
	}
	return v
}

// offer adds a statement to the winners if it is at least as new.
func (v *view) offer(st stated) {
	cur := v.winners[st.Path]
	switch {
	case len(cur) == 0 || st.Since > cur[0].Since:
		v.winners[st.Path] = []stated{st}
	case st.Since == cur[0].Since:
		for _, c := range cur {
			if sameVersion(c.Entry, st.Entry) {
				return
			}
		}
		v.winners[st.Path] = append(cur, st)
	}
}

// matches returns the winning statement e agrees with, if any.
func (v *view) matches(e Entry) (stated, bool) {
	for _, w := range v.winners[e.Path] {
		if sameVersion(w.Entry, e) {
			return w, true
		}
	}
	return stated{}, false
}

// live reports whether some winner says the path exists.
func (v *view) live(path string) bool {
	for _, w := range v.winners[path] {
		if !w.Deleted {
			return true
		}
	}
	return false
}

// isOlder reports whether e is a version some manifest stated before the
// winners' (an old version: a rollback, or the newer one not synced yet).
func (v *view) isOlder(e Entry) bool {
	ws := v.winners[e.Path]
	for _, s := range v.all[e.Path] {
		if len(ws) > 0 && s.Since < ws[0].Since && sameVersion(s.Entry, e) {
			return true
		}
	}
	return false
}

// statedBy reports whether writer has a live statement for path.
func (v *view) statedBy(writer, path string) bool {
	for _, s := range v.all[path] {
		if s.writer == writer && !s.Deleted {
			return true
		}
	}
	return false
}
