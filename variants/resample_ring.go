package variants

// lzRing holds the horizontally filtered source rows that a band of output
// rows needs: source row r lives in slot r % n while the slot's tag is r.
// Rows are asked for in increasing order, so each is filtered once. A
// filter that makes more rows at a time (the lane-packed one-channel paths
// filter 2 or 3 rows in one sweep) needs the ring longer by the extra rows,
// so that they never evict a row of the output being computed, and writes
// rows past the source's last to the spare slot.
type lzRing[T any] struct {
	n, w int
	tag  []int
	buf  []T // n slots of w elements, then the spare slot
	rows [][]T
}

// newLzRing makes a ring for a vertical kernel of taps rows and a filter
// that makes ahead rows beyond the one asked for, each row w elements.
func newLzRing[T any](taps, ahead, w int) *lzRing[T] {
	n := taps + ahead
	g := &lzRing[T]{n: n, w: w, tag: make([]int, n), buf: make([]T, (n+1)*w), rows: make([][]T, taps)}
	for i := range g.tag {
		g.tag[i] = -1
	}
	return g
}

// slot returns the storage for source row r, which then holds r.
func (g *lzRing[T]) slot(r int) []T {
	s := r % g.n
	g.tag[s] = r
	return g.buf[s*g.w : (s+1)*g.w]
}

// spare returns storage for a row past the source's end, never read back.
func (g *lzRing[T]) spare() []T { return g.buf[g.n*g.w:] }

// gather returns the filtered source rows s, s+1, …, s+count−1, first
// calling fill(r) for each that the ring does not hold; fill writes row r
// (and may write later rows) into storage from slot.
func (g *lzRing[T]) gather(s, count int, fill func(r int)) [][]T {
	rows := g.rows[:count]
	for t := range rows {
		r := s + t
		sl := r % g.n
		if g.tag[sl] != r {
			fill(r)
		}
		rows[t] = g.buf[sl*g.w : (sl+1)*g.w]
	}
	return rows
}
