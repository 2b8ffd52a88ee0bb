package sallyport

// Queued is how many jobs wait for the worker (tests of Observe).
func (s *Service) Queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs)
}
