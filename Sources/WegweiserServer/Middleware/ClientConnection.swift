public import Hummingbird
import NIOCore
import Synchronization

/// The request context of every route: Hummingbird's core context and the connection the
/// request came on, so that work for a client that has gone away can be cancelled.
public struct AppRequestContext: RequestContext {
    /// Hummingbird's part of the context.
    public var coreContext: CoreRequestContextStorage
    /// The connection.
    let channel: any Channel

    /// The context of a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Whether the client of the request being handled is still there.
enum ClientConnection {
    /// The connection's close, while a request is handled; `nil` outside one.
    @TaskLocal static var closed: EventLoopFuture<Void>?

    /// Returns when the connection of the request being handled has closed; never outside a
    /// request. Ends early (with `false`) when the task is cancelled.
    static func gone() async -> Bool {
        guard let closed else {
            try? await Task.sleep(for: .seconds(365 * 86_400))
            return false
        }
        let waiting = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiting.withLock { $0 = continuation }
                if Task.isCancelled { waiting.withLock { $0.take() }?.resume(returning: false) }
                closed.whenComplete { _ in waiting.withLock { $0.take() }?.resume(returning: true) }
            }
        } onCancel: {
            waiting.withLock { $0.take() }?.resume(returning: false)
        }
    }
}

/// Hands the request's connection to ``ClientConnection`` for the operations behind it.
struct ClientConnectionMiddleware: RouterMiddleware {
    func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        try await ClientConnection.$closed.withValue(context.channel.closeFuture) {
            try await next(request, context)
        }
    }
}

/// Closes a connection whose client has closed its side, so that the request being worked for
/// it is cancelled (``LoadSheddingMiddleware``) instead of running on for nobody. HTTP clients
/// do not half-close a connection and still wait for an answer; one that does gets none.
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
