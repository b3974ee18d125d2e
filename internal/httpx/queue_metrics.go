package httpx

import (
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueStats reads Asynq queue sizes; *asynq.Inspector satisfies it.
type QueueStats interface {
	Queues() ([]string, error)
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
}

var (
	queueTasksDesc = prometheus.NewDesc("aftersales_queue_tasks",
		"Tasks in an Asynq queue by state, read from Redis at scrape time.", []string{"queue", "state"}, nil)
	queueUpDesc = prometheus.NewDesc("aftersales_queue_stats_up",
		"1 when the queue sizes could be read at this scrape, 0 when Redis did not answer.", nil, nil)
)

// QueueCollector reports queue depths when Prometheus scrapes, so the numbers are
// never stale and no background poller is needed.
type QueueCollector struct{ stats QueueStats }

// NewQueueCollector returns a collector over stats; register it on the metrics registry.
func NewQueueCollector(stats QueueStats) *QueueCollector { return &QueueCollector{stats: stats} }

// Describe sends the metric descriptions.
func (q *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueTasksDesc
	ch <- queueUpDesc
}

// Collect reads every queue's sizes. Any read error reports up=0 and no sizes: a
// partial set of gauges would look like empty queues.
func (q *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	infos, err := q.read()
	up := 1.0
	if err != nil {
		up, infos = 0, nil
	}
	ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, up)
	for _, info := range infos {
		for state, n := range map[string]int{"pending": info.Pending, "active": info.Active,
			"scheduled": info.Scheduled, "retry": info.Retry, "archived": info.Archived} {
			ch <- prometheus.MustNewConstMetric(queueTasksDesc, prometheus.GaugeValue, float64(n), info.Queue, state)
		}
	}
}

func (q *QueueCollector) read() ([]*asynq.QueueInfo, error) {
	names, err := q.stats.Queues()
	if err != nil {
		return nil, err
	}
	infos := make([]*asynq.QueueInfo, 0, len(names))
	for _, name := range names {
		info, err := q.stats.GetQueueInfo(name)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}
