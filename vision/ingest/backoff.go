package ingest

import (
	"math/rand/v2"
	"time"
)

// retryDelay is how long to wait before connection attempt number
// failures+1, after failures consecutive failures since video last
// arrived: FirstRetry, doubling up to MaxRetry. A configuration fault (a
// wrong password, a codec Palisade cannot decode) is not cured by
// retrying soon and retrying a wrong password quickly can lock the
// camera's account, so it waits MaxRetry at once. Jitter shortens the
// delay by up to that fraction, so that cameras behind one switch do not
// reconnect in step after it reboots.
func retryDelay(cfg *Config, failures int, configFault bool, rnd func() float64) time.Duration {
	d := cfg.MaxRetry
	if !configFault {
		d = cfg.FirstRetry
		for range failures {
			d *= 2
			if d >= cfg.MaxRetry {
				d = cfg.MaxRetry
				break
			}
		}
	}
	if cfg.Jitter > 0 {
		if rnd == nil {
			rnd = rand.Float64
		}
		d -= time.Duration(float64(d) * cfg.Jitter * rnd())
	}
	return d
}
