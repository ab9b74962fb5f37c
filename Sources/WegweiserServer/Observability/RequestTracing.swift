import Configuration
import Foundation
import HTTPTypes
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Tracing, opt-in: with `tracing.otlp.endpoint` set, every request becomes a server span
/// exported over OTLP/HTTP (`tracing.otlp.protocol` `http/protobuf`, the default, or
/// `http/json`) as `tracing.service.name` (default `wegweiser`). A span carries the method, the
/// contract's `operationId` and the status, and continues a caller's W3C `traceparent`; never a
/// path, a query, a header, a body or an id of a person.
struct RequestTracing: Sendable {
    /// Where spans go.
    let tracer: any Tracer
    /// The service that batches and exports them; runs in the application's service group.
    let exporter: any Service

    /// The tracing `reader` configures, or `nil` when `tracing.otlp.endpoint` is not set.
    ///
    /// - Throws: ``ConfigurationError`` for an endpoint that is not an http(s) URL or an unknown
    ///   protocol.
    static func configured(reader: ConfigReader, logger: Logger) throws -> RequestTracing? {
        guard let endpoint = reader.string(forKey: "tracing.otlp.endpoint"), !endpoint.isEmpty else { return nil }
        guard endpoint.count <= 2048, let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""),
            url.host != nil
        else {
            throw ConfigurationError("tracing.otlp.endpoint must be an http(s) URL, e.g. http://collector:4318/v1/traces.")
        }
        let encoding = reader.string(forKey: "tracing.otlp.protocol", default: "http/protobuf")
        guard ["http/protobuf", "http/json"].contains(encoding) else {
            throw ConfigurationError("tracing.otlp.protocol must be http/protobuf or http/json, not \(encoding).")
        }
        let serviceName = reader.string(forKey: "tracing.service.name", default: "wegweiser")
        guard (1...100).contains(serviceName.count) else {
            throw ConfigurationError("tracing.service.name is 1 to 100 characters.")
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.endpoint = endpoint
        configuration.traces.otlpExporter.protocol = encoding == "http/json" ? .httpJSON : .httpProtobuf
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        return RequestTracing(tracer: backend.factory, exporter: backend.service)
    }

    /// A server span for `request`, continuing the trace its headers name.
    func span(for request: HTTPRequest) -> any Span {
        var context = ServiceContext.topLevel
        tracer.extract(request.headerFields, into: &context, using: HTTPFieldsExtractor())
        let span = tracer.startSpan(request.method.rawValue, context: context, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        return span
    }

    /// Ends `span` with the request's `operation` as its name and its `status` (`nil`: no
    /// answer, an error).
    func end(_ span: any Span, operation: String?, status: Int?) {
        if let operation {
            span.operationName = operation
            span.attributes["wegweiser.operation"] = operation
        }
        if let status { span.attributes["http.response.status_code"] = status }
        if (status ?? 500) >= 500 { span.setStatus(SpanStatus(code: .error)) }
        span.end()
    }
}

/// Reads trace context (`traceparent`, `tracestate`) from request headers.
private struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}
