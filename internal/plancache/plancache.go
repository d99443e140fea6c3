// Package plancache keeps compiled plans for the calls that follow, bounded
// both in number and in the memory they hold, so a converged XR, called
// again with the same spec and the same observed facts on every poll, is
// not compiled again. It sits behind the function's planner, as Crossplane's
// own caching sits behind the function runner it speeds up: the request path
// reads the same without it.
//
// A plan is found by KeyOf, a hash of everything it is built from (the
// Params, the facts and the upgrade's decisions); a field the key missed
// would answer one XR with another's plan, so TestPlanKeyCoversEverything in
// package fn changes every field the builders read, one at a time.
package plancache

import (
	"sync/atomic"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/lrucache"
)

// Sized is a plan that knows how much memory it holds.
type Sized interface {
	MemoryBytes() int64
}

// Compile builds a plan.
type Compile[V Sized] func(compose.Params, compose.Facts, compose.Upgrade) (V, error)

// Cache keeps the most recently used plans. A plan in it is shared by
// concurrent calls: nothing may modify one once compiled.
type Cache[V Sized] struct {
	lru     *lrucache.Cache[Key, V]
	compile Compile[V]
	// hits and misses count lookups, so tests can show where a plan came
	// from.
	hits, misses atomic.Int64
}

// New returns a cache of at most entries plans in at most bytes of memory,
// or nil when either bound is zero or less.
func New[V Sized](entries int, bytes int64, compile Compile[V]) *Cache[V] {
	lru := lrucache.New[Key, V](entries, bytes)
	if lru == nil {
		return nil
	}
	return &Cache[V]{lru: lru, compile: compile}
}

// Get returns the plan for p, f and up (p.Upgrade(f)), and whether it came
// from the cache; a plan compiled now is kept for the next call.
func (c *Cache[V]) Get(p compose.Params, f compose.Facts, up compose.Upgrade) (V, bool, error) {
	k := KeyOf(p, f, up)
	if v, ok := c.lru.Get(k); ok {
		c.hits.Add(1)
		return v, true, nil
	}
	c.misses.Add(1)
	v, err := c.compile(p, f, up)
	if err != nil {
		return v, false, err
	}
	c.lru.Add(k, v, v.MemoryBytes())
	return v, false, nil
}

// Len is the number of plans held.
func (c *Cache[V]) Len() int { return c.lru.Len() }

// Bytes is the memory the plans held take, by their own estimate.
func (c *Cache[V]) Bytes() int64 { return c.lru.Bytes() }

// Lookups are the lookups answered from the cache and those compiled.
func (c *Cache[V]) Lookups() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }
