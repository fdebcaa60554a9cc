package mock

import (
	"context"
	"io"
	"net/http"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/google/uuid"
)

// maxBody bounds what the Server reads and records of a request body.
const maxBody = 32 << 20

// serveHTTP decides the reply, records the request with it, then sends it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	rest, _ := io.Copy(io.Discard, r.Body)
	rec, base, skew := s.begin(r, body)
	rec.BodySize = int64(len(body)) + rest
	rt := s.routes.find(r, &rec)
	var rep Reply
	switch {
	case rec.Login:
		rep = s.loginReply(r.Context(), rt, &rec, base, skew)
	case rt == nil:
		rep = s.unmatchedReply(r, rec.Token, base)
	default:
		rep = s.routeReply(r.Context(), rt, &rec, base)
	}
	out, wire := s.record(&rec, rep, base.Add(skew))
	s.sendReply(w, r, out, wire)
}

// loginReply runs the login route's script; LoginOK runs the real login.
func (s *Server) loginReply(ctx context.Context, rt *route, rec *Request, base time.Time, skew time.Duration) Reply {
	rep := LoginOK()
	if rt != nil {
		rep = s.resolve(ctx, s.routes.next(rt), rec, base, s.closing)
	}
	if rep.kind != KindLogin {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lr, no := s.checkLoginLocked(rec.Body, base, skew)
	if no != nil {
		return rep.as(no.reply())
	}
	token, csrf := s.newSessionLocked(lr.appID)
	return rep.loginSuccess(token, csrf, s.cfg.sessionTTL)
}

// checkLoginLocked applies the rate limit, then the app and signature, the
// timestamp against the server's clock and the nonce. A replayed nonce is
// 10005: a replayed login is a signature that is no longer valid.
func (s *Server) checkLoginLocked(body []byte, base time.Time, skew time.Duration) (loginRequest, *refusal) {
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
			return loginRequest{}, refuse(codeLoginTooOften, "%d login attempts within %v, more than the %d of WithLoginRateLimit",
				len(s.attempts), s.cfg.loginWindow, s.cfg.loginLimit)
		}
	}
	lr, no := checkLogin(body, s.cfg.apps)
	if no != nil {
		return lr, no
	}
	now := base.Add(skew)
	if off := now.Sub(time.Unix(lr.timestamp, 0)); off > s.cfg.timestampWindow || off < -s.cfg.timestampWindow {
		// In whole seconds, as the Timestamp is.
		secs, dir := now.Unix()-lr.timestamp, "behind"
		if secs < 0 {
			secs, dir = -secs, "ahead of"
		}
		return lr, refuse(codeLoginTime, "Timestamp %d is %v %s the server's clock (%s); the window is ±%v",
			lr.timestamp, time.Duration(secs)*time.Second, dir, now.UTC().Format(time.RFC3339), s.cfg.timestampWindow)
	}
	nonce := lr.appID + "\n" + lr.nonce
	if _, seen := s.nonces[nonce]; seen {
		return lr, refuse(codeLoginSig, "Nonce %q of AppId %q was used by an earlier login: a replayed login", lr.nonce, lr.appID)
	}
	if len(s.nonces) >= 4096 {
		for n, at := range s.nonces {
			if base.Sub(at) > 2*s.cfg.timestampWindow {
				delete(s.nonces, n)
			}
		}
	}
	s.nonces[nonce] = base
	return lr, nil
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

// unmatchedReply is the reply to a request no route answers: the
// session's failure if it has one, else WithNotFound's reply or a 404
// listing the scripted routes.
func (s *Server) unmatchedReply(r *http.Request, token string, base time.Time) Reply {
	if code := s.authenticate(token, r.Header.Get(s.cfg.csrfHeader), base); code != 0 {
		return Code(apierrors.Code(code))
	}
	rep, _ := s.notFound(r.URL, r.Method)
	return rep
}

// routeReply checks the session, then runs the route's script; a Func or
// a LongPoll computes its reply. A scripted 10001 or 10002 ends or expires
// the caller's session, as the platform would.
func (s *Server) routeReply(ctx context.Context, rt *route, rec *Request, base time.Time) Reply {
	if code := s.authenticate(rec.Token, rec.Header.Get(s.cfg.csrfHeader), base); code != 0 {
		return Code(apierrors.Code(code))
	}
	rep := s.resolve(ctx, s.routes.next(rt), rec, base, s.closing)
	if rep.kind == KindError && (rep.code == codeNotLoggedIn || rep.code == codeLoginTimeout) {
		s.mu.Lock()
		if ss := s.sessions[rec.Token]; ss != nil {
			if rep.code == codeNotLoggedIn {
				delete(s.sessions, rec.Token)
			} else {
				ss.expired = true
			}
		}
		s.mu.Unlock()
	}
	return rep
}
