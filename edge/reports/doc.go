// Package reports computes the figures oversight bodies ask of a prison,
// per resident and day, from the committed presence history: time out of
// cell, time in the yard, and attendance at education and at religious
// services (zones of kind education and chapel), over any range of dates
// on the facility's clocks — as rows for the console's screen and as CSV.
//
// It is pure: [Reporter.Daily] takes a list of [Transition]s (person,
// from, to, at — the node adapts the presence history to it) and a date
// range, and returns [Row]s; [WriteCSV] writes them; [Totals] sums them
// per resident. Days are cut at the facility's midnight, so a day the
// clocks change is 23 or 25 hours long and says so (Row.Day). Time for
// which presence did not know where a resident was (before their first
// transition, after they were reported missing) is counted in none of the
// figures; Row.Known says how much of the day was known.
package reports
