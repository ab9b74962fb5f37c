public import Hummingbird
import NIOCore
import Synchronization

/// The request context of every route: Hummingbird's core context and the connection the
/// request came on, so that work for a client that has gone away can be cancelled.
public struct AppRequestContext: RequestContext {
    /// Hummingbird's part of the context.
    public var coreContext: CoreRequestContextStorage
    /// Whether the connection's client is still there; `nil` where no ``ClientGoneHandler``
    /// watches it (tests of the router alone).
    let connection: ConnectionWatch?

    /// The context of a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connection = ConnectionWatch.watching(source.channel)
    }
}

/// Whether the client of a connection is still there: told by ``ClientGoneHandler`` when the
/// client closes its side, awaited by the operations worked for it.
final class ConnectionWatch: Sendable {
    private struct State {
        var gone = false
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// The watches of the open connections, by channel.
    private static let open = Mutex<[ObjectIdentifier: ConnectionWatch]>([:])

    /// The watch of `channel`, if a ``ClientGoneHandler`` watches it.
    static func watching(_ channel: any Channel) -> ConnectionWatch? {
        open.withLock { $0[ObjectIdentifier(channel)] }
    }

    /// The watch of the connection of the request being handled; `nil` outside one.
    @TaskLocal static var current: ConnectionWatch?

    /// Returns `true` once the client has gone; `false` at once when the task is cancelled.
    /// Nothing stays registered after it returns, however many requests a connection carries.
    func gone() async -> Bool {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer: Bool? = state.withLock { state in
                    if state.gone { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
    }

    /// The client has gone: wakes every waiter.
    fileprivate func markGone() {
        let waiters = state.withLock { state in
            state.gone = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    fileprivate static func register(_ watch: ConnectionWatch, for channel: any Channel) {
        open.withLock { $0[ObjectIdentifier(channel)] = watch }
    }

    fileprivate static func unregister(_ channel: any Channel) {
        open.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}

/// Hands the request's ``ConnectionWatch`` to the operations behind it.
struct ClientConnectionMiddleware: RouterMiddleware {
    func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        try await ConnectionWatch.$current.withValue(context.connection) {
            try await next(request, context)
        }
    }
}

/// Watches one connection: when its client closes its side, the connection is closed and the
/// operations being worked for it are cancelled (``LoadSheddingMiddleware``) instead of
/// running on for nobody. HTTP clients do not half-close a connection and still wait for an
/// answer; one that does gets none.
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    /// The connection's watch.
    let watch = ConnectionWatch()

    func handlerAdded(context: ChannelHandlerContext) {
        ConnectionWatch.register(watch, for: context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        ConnectionWatch.unregister(context.channel)
        watch.markGone()
    }

    func channelInactive(context: ChannelHandlerContext) {
        ConnectionWatch.unregister(context.channel)
        watch.markGone()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent {
            watch.markGone()
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
