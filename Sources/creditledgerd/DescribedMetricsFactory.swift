import LedgerServer
import Metrics
import Prometheus

/// The swift-metrics backend of the daemon: a Prometheus registry whose families carry the help
/// text and buckets of ``MetricFamily/all``.
///
/// swift-prometheus's own `PrometheusMetricsFactory` registers every family without help (no
/// `# HELP` line) and with one set of default buckets; the registry itself takes both, and
/// refuses a second registration of a name with another help text, so every instrument of a
/// family must come through here.
struct DescribedMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    private let families: [String: MetricFamily]

    init(registry: PrometheusCollectorRegistry, families: [MetricFamily] = MetricFamily.all) {
        self.registry = registry
        self.families = Dictionary(uniqueKeysWithValues: families.map { ($0.name, $0) })
    }

    /// The family `name` with its help text; an undescribed one gets none (`MonitoringTests` finds it).
    private func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: families[name]?.help ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        var buckets: [Double] = [1, 10, 100, 1000, 10_000]
        if case let .valueHistogram(described)? = families[label]?.kind { buckets = described }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        var seconds = [0.001, 0.01, 0.1, 1, 10]
        if case let .durationHistogram(described)? = families[label]?.kind { seconds = described }
        // Whole microseconds: a bound printed from a binary fraction of a second would read 0.000100000000000000004.
        let buckets = seconds.map { Duration.microseconds(Int64(($0 * 1_000_000).rounded())) }
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
