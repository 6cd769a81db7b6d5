package storetest

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// testTOTP: an enrollment is stored sealed and unconfirmed, a step is
// accepted once and only when newer (also under concurrency), re-enrolling
// starts over, and it survives reopening.
func testTOTP(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "op1", store.KindOperator)
	wantErr(t, s.PutTOTP(ctx, "nobody", []byte("x"), t0), store.ErrNotFound)
	_, err := s.TOTP(ctx, "op1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.UseTOTPStep(ctx, "op1", 5)
	wantErr(t, err, store.ErrNotFound)

	must(t, s.PutTOTP(ctx, "op1", []byte("sealed-1"), t0))
	if got, err := s.TOTP(ctx, "op1"); err != nil || got.Confirmed || !bytes.Equal(got.Sealed, []byte("sealed-1")) || !got.Created.Equal(t0) {
		t.Fatalf("new enrollment = %+v, %v", got, err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if ok, err := s.UseTOTPStep(ctx, "op1", 100); err == nil && ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("step 100 accepted %d times, want once", wins.Load())
	}
	for step, want := range map[int64]bool{100: false, 99: false, 101: true} {
		if ok, err := s.UseTOTPStep(ctx, "op1", step); err != nil || ok != want {
			t.Errorf("UseTOTPStep(%d) = %v, %v; want %v", step, ok, err, want)
		}
	}
	s.Close()
	s = openT(t, open)
	if got, _ := s.TOTP(ctx, "op1"); !got.Confirmed || got.LastStep != 101 {
		t.Errorf("after use and reopening: %+v", got)
	}
	must(t, s.PutTOTP(ctx, "op1", []byte("sealed-2"), t0))
	if got, _ := s.TOTP(ctx, "op1"); got.Confirmed || got.LastStep != 0 {
		t.Errorf("re-enrollment kept old state: %+v", got)
	}
	must(t, s.DeleteTOTP(ctx, "op1"))
	wantErr(t, s.DeleteTOTP(ctx, "op1"), store.ErrNotFound)
}

// testTOTPRequired: required of an account or through a group; a deleted
// group's requirement goes with it.
func testTOTPRequired(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "op1", store.KindOperator)
	addAccount(t, s, "op2", store.KindOperator)
	must(t, s.CreateGroup(ctx, "desk"))
	must(t, s.AddMember(ctx, "desk", "op2"))
	wantErr(t, s.SetTOTPRequired(ctx, store.Subject{Kind: store.SubjectGroup, Name: "nope"}, true), store.ErrNotFound)
	required := func(id string) bool {
		r, err := s.TOTPRequired(ctx, id)
		must(t, err)
		return r
	}
	must(t, s.SetTOTPRequired(ctx, store.Subject{Kind: store.SubjectAccount, Name: "op1"}, true))
	must(t, s.SetTOTPRequired(ctx, store.Subject{Kind: store.SubjectAccount, Name: "op1"}, true))
	must(t, s.SetTOTPRequired(ctx, store.Subject{Kind: store.SubjectGroup, Name: "desk"}, true))
	if !required("op1") || !required("op2") || required("nobody") {
		t.Fatal("requirement not applied to the account and the group's member")
	}
	must(t, s.SetTOTPRequired(ctx, store.Subject{Kind: store.SubjectAccount, Name: "op1"}, false))
	must(t, s.DeleteGroup(ctx, "desk"))
	must(t, s.CreateGroup(ctx, "desk"))
	must(t, s.AddMember(ctx, "desk", "op2"))
	if required("op1") || required("op2") {
		t.Error("requirement outlived its removal or its group")
	}
}
