// Package netplan carves a VPC's CIDR into per-zone subnets and checks CIDRs
// against the rules AWS applies.
//
// The layout does not depend on how many zones are used: the VPC is split
// into eight equal blocks, private subnets take blocks 0-3 and public subnets
// blocks 4-7, one per zone. Adding a zone later adds subnets without moving
// any existing one.
package netplan

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// MaxZones is how many zones the layout has room for.
const MaxZones = 4

// Bits added to the VPC prefix to get a subnet prefix.
const subnetBits = 3

// Prefix limits AWS applies to VPC and subnet CIDRs.
const (
	MinVPCPrefix    = 16
	MaxSubnetPrefix = 28
	// MaxVPCPrefix keeps every carved subnet at /28 or larger.
	MaxVPCPrefix = MaxSubnetPrefix - subnetBits
)

// Subnets of one zone.
type Subnets struct {
	Private netip.Prefix
	Public  netip.Prefix
}

// Carve returns the subnets of zone index i (0-based) of the VPC.
func Carve(vpc netip.Prefix, i int) (Subnets, error) {
	if i < 0 || i >= MaxZones {
		return Subnets{}, fmt.Errorf("zone index %d is outside 0-%d", i, MaxZones-1)
	}
	private, err := nth(vpc, subnetBits, i)
	if err != nil {
		return Subnets{}, err
	}
	public, err := nth(vpc, subnetBits, MaxZones+i)
	if err != nil {
		return Subnets{}, err
	}
	return Subnets{Private: private, Public: public}, nil
}

// nth returns the n-th block of size prefix+bits inside prefix.
func nth(p netip.Prefix, bits, n int) (netip.Prefix, error) {
	p = p.Masked()
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%s is not an IPv4 CIDR", p)
	}
	size := p.Bits() + bits
	if size > 32 {
		return netip.Prefix{}, fmt.Errorf("%s is too small to split into %d blocks", p, 1<<bits)
	}
	a := p.Addr().As4()
	base := binary.BigEndian.Uint32(a[:])
	base += uint32(n) << (32 - size) //nolint:gosec // n < 2^bits by construction.
	binary.BigEndian.PutUint32(a[:], base)
	addr := netip.AddrFrom4(a)
	return netip.PrefixFrom(addr, size), nil
}

// rfc1918 are the private IPv4 ranges.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// IsPrivate reports whether p lies wholly inside one RFC 1918 range.
func IsPrivate(p netip.Prefix) bool {
	for _, r := range rfc1918 {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// ParseCanonical parses an IPv4 CIDR and requires it to be written in its
// canonical form (no host bits set), as AWS does.
func ParseCanonical(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not a CIDR block")
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("not an IPv4 CIDR block")
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("host bits are set; did you mean %s", p.Masked())
	}
	return p, nil
}
