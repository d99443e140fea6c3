package compose

import "testing"

func TestMove(t *testing.T) {
	cases := map[string]struct {
		m                 move
		retiring, current string
	}{
		"NeverGiven":         {m: move{to: "b", fromKept: true}, current: "b"},
		"NotMoving":          {m: move{from: "b", to: "b", fromKept: true, toReady: true}, current: "b"},
		"MovingNewNotReady":  {m: move{from: "a", to: "b", fromKept: true}, retiring: "a", current: "a"},
		"MovingNewReady":     {m: move{from: "a", to: "b", fromKept: true, toReady: true}, retiring: "a", current: "b"},
		"OldNoLongerKept":    {m: move{from: "a", to: "b"}, current: "b"},
		"OldGoneNewNotReady": {m: move{from: "a", to: "b", toReady: false}, current: "b"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.m.retiring(); got != tc.retiring {
				t.Errorf("retiring() = %q, want %q", got, tc.retiring)
			}
			if got := tc.m.current(); got != tc.current {
				t.Errorf("current() = %q, want %q", got, tc.current)
			}
		})
	}
}
