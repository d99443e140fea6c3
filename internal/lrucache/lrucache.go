// Package lrucache keeps the most recently used values, bounded both in how
// many it holds and in the memory they take, so a few large values from one
// tenant cannot take a process's memory. It is safe for concurrent use.
package lrucache

import (
	"container/list"
	"sync"
)

// Cache is a least-recently-used cache bounded in entries and bytes.
type Cache[K comparable, V any] struct {
	mu         sync.Mutex
	order      *list.List // Front is the most recently used.
	items      map[K]*list.Element
	maxEntries int
	maxBytes   int64
	bytes      int64
}

type entry[K comparable, V any] struct {
	key   K
	value V
	size  int64
}

// New returns a cache of at most entries values taking at most bytes
// together, or nil (a cache that keeps nothing) when either bound is not
// positive.
func New[K comparable, V any](entries int, bytes int64) *Cache[K, V] {
	if entries <= 0 || bytes <= 0 {
		return nil
	}
	return &Cache[K, V]{order: list.New(), items: map[K]*list.Element{}, maxEntries: entries, maxBytes: bytes}
}

// Get returns the value of k and marks it the most recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(entry[K, V]).value, true //nolint:forcetypeassert // Only entries are added.
}

// Add keeps v under k, taking size bytes, in place of what k held, unless
// it alone exceeds the byte bound, and evicts the least recently used values
// until both bounds hold.
func (c *Cache[K, V]) Add(k K, v V, size int64) {
	if c == nil || size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.bytes -= e.Value.(entry[K, V]).size //nolint:forcetypeassert // Only entries are added.
		c.order.Remove(e)
	}
	c.items[k] = c.order.PushFront(entry[K, V]{key: k, value: v, size: size})
	c.bytes += size
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		e := c.order.Back()
		old := e.Value.(entry[K, V]) //nolint:forcetypeassert // Only entries are added.
		c.order.Remove(e)
		delete(c.items, old.key)
		c.bytes -= old.size
	}
}

// Len is how many values the cache holds.
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Bytes is the memory the held values take, as their sizes were given.
func (c *Cache[K, V]) Bytes() int64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
