package filexfer

import "time"

// Progress reports how far one transfer has come.
type Progress struct {
	ID       uint32 // as in Ask and Result
	Name     string
	Done     int64 // bytes the receiver holds, counting a resumed prefix
	Total    int64
	Incoming bool // this side receives the file
}

// progressEvery is the least time between two reports of one transfer.
const progressEvery = 100 * time.Millisecond

// meter rate-limits one transfer's reports: the first, the last, and at
// most one per progressEvery between them.
type meter struct {
	f    func(Progress)
	p    Progress
	last time.Time
}

func newMeter(f func(Progress), p Progress) *meter {
	m := &meter{f: f, p: p}
	m.report(p.Done)
	return m
}

// report records done bytes and reports if it is time to.
func (m *meter) report(done int64) {
	if m == nil || m.f == nil {
		return
	}
	m.p.Done = done
	now := time.Now()
	if done < m.p.Total && !m.last.IsZero() && now.Sub(m.last) < progressEvery {
		return
	}
	m.last = now
	m.f(m.p)
}
