import CoreMetrics
import EventStore
import Foundation
import Logging
import PostgresNIO
import Prometheus

/// The server's metrics, recorded through the swift-metrics API into a Prometheus registry of
/// this application's own (so that several applications in one process, as in tests, keep
/// their own counts) and served at `/metrics`.
///
/// Every label value comes from a fixed set (operation ids of the contract, status codes, kinds
/// of objects, outcomes): nothing a caller sends, and never personal data.
struct ServerMetrics: Sendable {
    /// Where the metrics are kept.
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// Metrics in a new registry; request durations in buckets from 1 ms to 10 s.
    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10),
        ]
        self.factory = factory
    }

    /// One answered request: `operation` is the contract's operation id (`none` for a path
    /// outside the contract), `status` the code sent (`0` if the connection ended first).
    func request(operation: String?, status: Int, duration: Duration) {
        let operation = operation ?? "none"
        Counter(
            label: "wegweiser_http_requests_total",
            dimensions: [("operation", operation), ("status", String(status))],
            factory: factory
        ).increment()
        Timer(label: "wegweiser_http_request_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The outcome of one write through the command path: `committed`, `conflict` (someone else
    /// wrote the same stream at the same moment), `precondition_failed` (`If-Match`) or `refused`
    /// (the domain's rejection).
    func write(kind: String, outcome: String) {
        Counter(label: "wegweiser_appends_total", dimensions: [("kind", kind), ("outcome", outcome)], factory: factory)
            .increment()
    }

    /// One fetch of the identity provider's key set, `ok` or `failed`.
    func keySetFetch(succeeded: Bool) {
        Counter(label: "wegweiser_jwks_fetches_total", dimensions: [("outcome", succeeded ? "ok" : "failed")], factory: factory)
            .increment()
    }

    /// Reads what the database knows at scrape time: how far each projection (the `inline` ones
    /// never are; subscribers by their checkpoints) and the hash chain are behind the head of the
    /// log (in log positions), the head itself, and the connections this instance holds by state.
    func collect(
        from database: PostgresClient,
        inline: [String],
        applicationName: String,
        poolSize: Int,
        logger: Logger
    ) async throws {
        for name in inline {
            // Written in the append's own transaction: never behind.
            Gauge(
                label: "wegweiser_projection_lag_events",
                dimensions: [("projection", name), ("mode", "inline")],
                factory: factory
            )
            .record(0)
        }
        let lags = try await database.guardedQuery(
            """
            WITH head AS (SELECT coalesce(max(global_position), 0) AS position FROM events)
            SELECT 'subscription', s.subscription, head.position - s.global_position FROM subscription_checkpoints s, head
            UNION ALL
            SELECT 'chain', 'log', head.position - coalesce((SELECT max(global_position) FROM event_chain), 0) FROM head
            UNION ALL
            SELECT 'head', 'log', head.position FROM head
            """,
            logger: logger
        )
        for try await (kind, name, value) in lags.decode((String, String, Int64).self) {
            switch kind {
            case "subscription":
                Gauge(
                    label: "wegweiser_projection_lag_events",
                    dimensions: [("projection", name), ("mode", "asynchronous")],
                    factory: factory
                ).record(value)
            case "chain":
                Gauge(label: "wegweiser_chain_lag_events", factory: factory).record(value)
            default:
                Gauge(label: "wegweiser_log_head_position", factory: factory).record(value)
            }
        }
        var connections = ["active": 0, "idle": 0, "idle in transaction": 0]
        let states = try await database.guardedQuery(
            "SELECT coalesce(state, 'other'), count(*)::int FROM pg_stat_activity WHERE application_name = \(applicationName) GROUP BY 1",
            logger: logger
        )
        for try await (state, count) in states.decode((String, Int).self) { connections[state, default: 0] += count }
        for (state, count) in connections {
            Gauge(label: "wegweiser_database_connections", dimensions: [("state", state)], factory: factory).record(count)
        }
        Gauge(label: "wegweiser_database_pool_size", factory: factory).record(poolSize)
    }

    /// The metrics in Prometheus' text format.
    func exposition() -> String {
        registry.emitToString()
    }
}
