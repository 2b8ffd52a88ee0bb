// Package central will hold the provincial headquarters service that pulls
// summaries from every facility. Empty until the uplink issue lands; the
// folder exists because the product's top level is fixed.
package central
