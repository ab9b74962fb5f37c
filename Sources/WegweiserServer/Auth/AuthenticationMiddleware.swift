import Casework
import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Authenticates every operation that is not public and lets through only the roles the
/// ``AccessPolicy`` allows for it; the handler then finds the ``Principal`` in
/// ``Principal/current``.
struct AuthenticationMiddleware: ServerMiddleware {
    /// Turns the header into a principal.
    let authenticator: Authenticator
    /// The time of a request.
    let now: @Sendable () -> Date
    /// For failures that are not the caller's.
    let logger: Logger
    /// The bearer token `/metrics` asks for (`metrics.token`); without one it is off.
    var metricsToken: String? = nil

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        RequestNote.current?.note(operation: operationID)
        if AccessPolicy.publicOperations.contains(operationID) {
            return try await next(request, body, metadata)
        }
        if operationID == AccessPolicy.metricsOperation {
            try checkMetricsToken(request.headerFields[.authorization])
            return try await next(request, body, metadata)
        }
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(authorization: request.headerFields[.authorization], now: now())
        } catch let problem as Problem {
            throw problem
        } catch  where DatabaseWatch.isUnreachable(error) {
            throw Problem.databaseUnavailable()
        } catch {
            logger.error("authentication failed", metadata: ["error": "\(String(reflecting: error))"])
            throw Problem.internalError()
        }
        RequestNote.current?.note(operation: operationID, staffID: principal.staffID)
        guard AccessPolicy.roles(for: operationID).contains(principal.role) else {
            throw Problem.forbidden("The role \(principal.role.rawValue) may not call \(operationID).")
        }
        return try await Principal.$current.withValue(principal) {
            try await next(request, body, metadata)
        }
    }

    /// Lets the metrics token through: 401 without a token, 404 while metrics are off, 401 for
    /// a wrong token (compared in constant time).
    private func checkMetricsToken(_ authorization: String?) throws {
        guard let authorization else {
            throw Problem.unauthorized("/metrics needs the metrics token as a bearer token.", tokenSent: false)
        }
        guard let metricsToken else {
            throw Problem.notFound("Metrics are off; set metrics.token to serve them.")
        }
        let expected = Array("Bearer \(metricsToken)".utf8)
        let given = Array(authorization.utf8)
        var difference = UInt8(expected.count == given.count ? 0 : 1)
        for (index, byte) in expected.enumerated() { difference |= byte ^ (index < given.count ? given[index] : 0) }
        guard difference == 0 else {
            throw Problem.unauthorized("The metrics token is wrong.")
        }
    }
}
