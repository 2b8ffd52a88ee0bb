// Package drone will hold the MAVLink link, patrol missions and counter-drone
// detection with a human deciding on any engagement. Empty until its issue
// lands; the folder exists because the product's top level is fixed.
package drone
