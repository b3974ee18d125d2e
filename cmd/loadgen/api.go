package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// api speaks JSON to the server and records every call's latency under its step name.
type api struct {
	base string
	http *http.Client
	rec  *recorder
}

// apiError is a call that did not answer the status the flow needed.
type apiError struct {
	Step   string
	Status int
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: status %d: %.300s", e.Step, e.Status, e.Body)
}

// call sends body as JSON and decodes a 2xx answer into out (when not nil). Any other
// answer is an *apiError; the latency is recorded either way.
func (a *api) call(ctx context.Context, step, token, method, path string, body, out any) error {
	status, raw, err := a.raw(ctx, step, token, method, path, body)
	return answer(step, status, raw, err, out)
}

// answer turns a response into call's result: out decoded from a 2xx, else an error.
func answer(step string, status int, raw []byte, err error, out any) error {
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return &apiError{Step: step, Status: status, Body: string(raw)}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s: decode: %w", step, err)
		}
	}
	return nil
}

// raw sends one request with body as JSON and returns the status and body; a step
// named "" is not recorded.
func (a *api) raw(ctx context.Context, step, token, method, path string, body any) (int, []byte, error) {
	if body == nil {
		return a.send(ctx, step, token, method, path, "", nil)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	return a.send(ctx, step, token, method, path, "application/json", b)
}

// upload sends body as it is (an image) and decodes a 2xx answer into out.
func (a *api) upload(ctx context.Context, step, token, method, path, contentType string, body []byte, out any) error {
	status, raw, err := a.send(ctx, step, token, method, path, contentType, body)
	return answer(step, status, raw, err, out)
}

// probe GETs path and decodes it into out; a 404 is "not there yet", recorded as such
// but not as an error, and found is false.
func (a *api) probe(ctx context.Context, step, token, path string, out any) (found bool, err error) {
	start := time.Now()
	status, raw, err := a.send(ctx, "", token, http.MethodGet, path, "", nil)
	if err == nil {
		a.record(step, time.Since(start), strconv.Itoa(status), status/100 != 2 && status != http.StatusNotFound)
	}
	if err == nil && status == http.StatusNotFound {
		return false, nil
	}
	return true, answer(step, status, raw, err, out)
}

// send makes one timed request; contentType "" sends no body.
func (a *api) send(ctx context.Context, step, token, method, path, contentType string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if contentType != "" {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := a.http.Do(req)
	if err != nil {
		a.record(step, time.Since(start), "net", true)
		return 0, nil, fmt.Errorf("%s: %w", step, err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	a.record(step, time.Since(start), strconv.Itoa(resp.StatusCode), resp.StatusCode/100 != 2 || err != nil)
	return resp.StatusCode, raw, err
}

func (a *api) record(step string, d time.Duration, status string, failed bool) {
	if step != "" {
		a.rec.add(step, d, status, failed)
	}
}

// login returns an access token for email.
func (a *api) login(ctx context.Context, email, password string) (string, error) {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	err := a.call(ctx, "login", "", http.MethodPost, "/api/v1/auth/login",
		map[string]string{"email": email, "password": password}, &out)
	return out.AccessToken, err
}

// paths lists the server's routes from /openapi.json, so stages whose API is not
// deployed are skipped and said so, never faked.
func (a *api) paths(ctx context.Context) (map[string]bool, error) {
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if err := a.call(ctx, "", "", http.MethodGet, "/openapi.json", nil, &doc); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(doc.Paths))
	for p := range doc.Paths {
		out[p] = true
	}
	return out, nil
}
