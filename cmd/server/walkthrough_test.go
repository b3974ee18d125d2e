package main

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEWalkthroughRuns runs docs/walkthrough.sh, the README's end-to-end example,
// against the wired server and its worker, so the documented commands cannot rot.
func TestREADMEWalkthroughRuns(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walkthrough needs %s", tool)
		}
	}
	app, admin := running(t)
	cmd := exec.Command("bash", "../../docs/walkthrough.sh")
	cmd.Env = append(os.Environ(), "BASE="+admin.base, "ADMIN_EMAIL="+app.cfg.AdminEmail, "ADMIN_PASSWORD=admin-password-1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "walkthrough output:\n%s", stderr.String())
	assert.Contains(t, stdout.String(), `"status": "resolved"`)
	assert.Contains(t, stderr.String(), `"payer":"brand"`, "the job was priced")
}
