package compose

// move is a running cluster's change from one platform-wide choice to
// another (its Argo CD hub, its sign-in provider), staged the same way for
// each: the old choice stays in effect until the new one is ready, so the
// team never loses what it had in between. The old choice can stay only
// while the settings still describe it; when they do not, nothing can
// keep it and the cluster moves at once.
type move struct {
	// from is the choice the cluster was last given (observed), to the
	// settings' choice now.
	from, to string
	// fromKept reports whether the settings still describe from.
	fromKept bool
	// toReady reports whether what to needs exists and is ready.
	toReady bool
}

// retiring is the old choice while the cluster moves away from it, "" when
// it is not moving.
func (m move) retiring() string {
	if m.from == "" || m.from == m.to || !m.fromKept {
		return ""
	}
	return m.from
}

// current is the choice in effect: the old one until the new one is ready.
func (m move) current() string {
	if old := m.retiring(); old != "" && !m.toReady {
		return old
	}
	return m.to
}
