package mock

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/google/uuid"
)

// maxBody bounds what the Server reads and records of a request body.
const maxBody = 32 << 20

// serveHTTP decides the answer, records the request with it, then sends it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	s.mu.Lock()
	base, skew := s.cfg.now(), s.skew
	s.mu.Unlock()

	req := newRequest(r, body, &s.cfg, base)
	k := routeKey{req.Method, req.Path}
	var rep Reply
	if req.Login {
		rep = s.answerLogin(k, body, base, skew)
	} else if code := s.authenticate(req.Token, r.Header.Get(s.cfg.csrfHeader), base); code != 0 {
		rep = Code(apierrors.Code(code))
	} else {
		rep = s.answerRoute(r.Context(), k, req.Token, base)
	}

	wire, p := settle(&req, rep, base.Add(skew), func(msg string) {
		if s.tb != nil {
			s.tb.Errorf("%s; calls so far:\n%s", msg, s.rec.table())
		}
	})
	s.rec.add(req)
	s.write(w, r, wire, p)
}

// answerLogin runs the login route's script; LoginOK runs the real login.
func (s *Server) answerLogin(k routeKey, body []byte, base time.Time, skew time.Duration) Reply {
	rep, scripted := s.routes.next(k)
	if !scripted {
		rep = LoginOK()
	}
	if rep.kind != KindLogin {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lr, code := s.checkLoginLocked(body, base, skew)
	if code != 0 {
		return rep.as(Code(apierrors.Code(code)))
	}
	token, csrf := s.newSessionLocked(lr.appID)
	return rep.loginSuccess(token, csrf, s.cfg.sessionTTL)
}

// checkLoginLocked applies the rate limit, then the app and signature, the
// timestamp against the server's clock and the nonce. A replayed nonce is
// 10005: a replayed login is a signature that is no longer valid.
func (s *Server) checkLoginLocked(body []byte, base time.Time, skew time.Duration) (loginRequest, int) {
	if s.cfg.loginLimit > 0 {
		cut := base.Add(-s.cfg.loginWindow)
		kept := s.attempts[:0]
		for _, at := range s.attempts {
			if at.After(cut) {
				kept = append(kept, at)
			}
		}
		s.attempts = append(kept, base)
		if len(s.attempts) > s.cfg.loginLimit {
			return loginRequest{}, codeLoginTooOften
		}
	}
	lr, code := checkLogin(body, s.cfg.apps)
	if code != 0 {
		return lr, code
	}
	off := base.Add(skew).Sub(time.Unix(lr.timestamp, 0))
	if off > s.cfg.timestampWindow || off < -s.cfg.timestampWindow {
		return lr, codeLoginTime
	}
	nonce := lr.appID + "\n" + lr.nonce
	if _, seen := s.nonces[nonce]; seen {
		return lr, codeLoginSig
	}
	if len(s.nonces) >= 4096 {
		for n, at := range s.nonces {
			if base.Sub(at) > 2*s.cfg.timestampWindow {
				delete(s.nonces, n)
			}
		}
	}
	s.nonces[nonce] = base
	return lr, 0
}

func (s *Server) newSessionLocked(appID string) (token, csrf string) {
	if s.cfg.oneSession {
		for t, ss := range s.sessions {
			if ss.appID == appID {
				delete(s.sessions, t)
			}
		}
	}
	token, csrf = uuid.NewString(), uuid.NewString()
	s.sessions[token] = &session{appID: appID, csrf: csrf, expiresAt: s.cfg.now().Add(s.cfg.sessionTTL)}
	return token, csrf
}

// authenticate checks the session of a non-login request: 10001 without a
// known token, 10002 once it expired, 10007 when the CSRF token differs.
func (s *Server) authenticate(token, csrf string, now time.Time) int {
	if token == "" {
		return codeNotLoggedIn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[token]
	switch {
	case ss == nil:
		return codeNotLoggedIn
	case ss.expired || !now.Before(ss.expiresAt):
		return codeLoginTimeout
	case csrf != ss.csrf:
		return codeCSRF
	}
	return 0
}

// answerRoute runs a route's script; a LongPoll answers for its Reply. A
// scripted 10001 or 10002 ends or expires the caller's session, as the
// platform would.
func (s *Server) answerRoute(ctx context.Context, k routeKey, token string, base time.Time) Reply {
	rep, ok := s.routes.next(k)
	if !ok {
		if s.cfg.notFound != nil {
			return *s.cfg.notFound
		}
		return Code(http.StatusNotFound).WithMessage(fmt.Sprintf("mock: no route for %s (query ignored); scripted routes: %s",
			k, strings.Join(sortedKeys(s.routes.keys()), ", ")))
	}
	if rep.poll != nil {
		rep = rep.poll.answer(ctx, base, s.closing)
	}
	if rep.kind == KindError && (rep.code == codeNotLoggedIn || rep.code == codeLoginTimeout) {
		s.mu.Lock()
		if ss := s.sessions[token]; ss != nil {
			if rep.code == codeNotLoggedIn {
				delete(s.sessions, token)
			} else {
				ss.expired = true
			}
		}
		s.mu.Unlock()
	}
	return rep
}
