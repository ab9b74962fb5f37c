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
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(authorization: request.headerFields[.authorization], now: now())
        } catch let problem as Problem {
            throw problem
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
}
