package config_test

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaultsRunOnABareMachine(t *testing.T) {
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.HTTPAddr)
	assert.Equal(t, "./data", c.DataDir)
	assert.Empty(t, c.MongoURI, "empty means embedded FerretDB")
	assert.Empty(t, c.RedisAddr, "empty means embedded Redis")
	assert.Equal(t, 15*time.Minute, c.AccessTTL)
	assert.Equal(t, int64(1<<20), c.MaxBodyBytes)
	assert.Equal(t, 100*time.Millisecond, c.QueuePoll, "Asynq's 1 s idle poll added seconds to every flow")
}

func TestLoadRejectsMalformedValues(t *testing.T) {
	for key, val := range map[string]string{"ACCESS_TOKEN_TTL": "soon", "MAX_BODY_BYTES": "1MB", "LOG_LEVEL": "chatty", "SECURE_COOKIES": "perhaps", "QUEUE_POLL_INTERVAL": "fast"} {
		_, err := config.Load(env(map[string]string{key: val}))
		assert.ErrorContains(t, err, key, key)
	}
}

func TestLoggedConfigMasksSecrets(t *testing.T) {
	c, err := config.Load(env(map[string]string{
		"MONGO_URI": "mongodb://app:hunter2@db1:27017/?replicaSet=rs0", "JWT_KEYS": "k1:topsecret-topsecret-topsecret-1",
		"ADMIN_PASSWORD": "admin-secret", "REDIS_PASSWORD": "redis-secret", "TRUSTED_PROXIES": "10.0.0.1, 10.0.0.0/8",
	}))
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1", "10.0.0.0/8"}, c.TrustedProxies)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("starting", "config", c)
	for _, secret := range []string{"hunter2", "topsecret", "admin-secret", "redis-secret"} {
		assert.NotContains(t, buf.String(), secret)
	}
	assert.Contains(t, buf.String(), "mongodb://***@db1:27017")
}
