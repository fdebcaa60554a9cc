package main

import (
	"fmt"
	"strings"
)

// nearest returns the candidate closest to s by edit distance, ignoring
// case, when it is close enough to be a typo: at most a third of its
// length, and at most 3 edits.
func nearest(s string, candidates []string) (string, bool) {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > 3 || bestD*3 > len(best) {
		return "", false
	}
	return best, true
}

// didYouMean is `; did you mean "x"?` for the nearest candidate, or "".
func didYouMean(s string, candidates []string) string {
	if n, ok := nearest(s, candidates); ok {
		return fmt.Sprintf("; did you mean %q?", n)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
