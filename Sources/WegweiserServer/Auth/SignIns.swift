import Casework
import EventStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Who signs in as which subject, remembered between requests: the staff record and the
/// substitution grants they hold, so that a request does not look them up again. The principal
/// is still computed for every request from these records and the request's time (activity
/// dates, grant windows), so a grant still ends by itself at its `until`.
///
/// Nothing stale is ever used: any change to the directory (a staff record, a team, a grant)
/// forgets everything, at once in this process (``invalidate()`` after the write commits) and
/// in every other instance by `NOTIFY` (``Listener``). While this process is not listening
/// (before the first `LISTEN`, after a lost connection), it remembers nothing.
final class SignIns: Sendable {
    /// What is remembered about one subject.
    struct Entry: Sendable, Equatable {
        /// The active staff record that signs in with the subject.
        var staff: StaffMember.Record
        /// The substitution grants they hold as substitute, in force or not.
        var grants: [Substitution.Record]
    }

    private struct State {
        var generation: UInt64 = 0
        var listening = false
        var entries: [String: Entry] = [:]
    }

    /// The most subjects remembered; beyond that the memory starts again.
    static let capacity = 10_000

    private let state = Mutex(State())

    /// Remembers nothing yet.
    init() {}

    /// What is remembered about `subject`, and the generation to store a fresh lookup with.
    func entry(for subject: String) -> (entry: Entry?, generation: UInt64) {
        state.withLock { state in (state.listening ? state.entries[subject] : nil, state.generation) }
    }

    /// Remembers `entry` for `subject`, unless the directory changed since `generation` was
    /// read (the entry may predate the change) or nobody listens for changes.
    func remember(_ entry: Entry, for subject: String, readAt generation: UInt64) {
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll() }
            state.entries[subject] = entry
        }
    }

    /// Forgets everything: the directory changed.
    func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    /// Whether changes are being listened for; either way everything is forgotten.
    func setListening(_ listening: Bool) {
        state.withLock { state in
            state.listening = listening
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    /// How many subjects are remembered now.
    var count: Int { state.withLock { $0.entries.count } }

    /// Whether changes are listened for now (and so sign-ins remembered).
    var isListening: Bool { state.withLock { $0.listening } }
}

extension SignIns {
    /// The channel the directory's trigger notifies on every change (migration 0005).
    static let channel = "wegweiser_directory"

    /// Listens for changes to the directory made by any instance and makes ``SignIns`` forget;
    /// reconnects after a lost connection, remembering nothing meanwhile.
    struct Listener: Service {
        /// What to make forget.
        let signIns: SignIns
        /// The pool.
        let client: PostgresClient
        let logger: Logger

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        try await client.withGuardedConnection { connection in
                            try await connection.listen(on: SignIns.channel) { notifications in
                                signIns.setListening(true)
                                let listening = ListeningFlag()
                                defer {
                                    listening.end()
                                    signIns.setListening(false)
                                }
                                // The moment the connection closes, changes can no longer be
                                // heard: remember nothing from then on, whatever the listen does
                                // (unless this listen has ended and another one took over).
                                connection.closeFuture.whenComplete { _ in
                                    if listening.isOn { signIns.setListening(false) }
                                }
                                for try await _ in notifications { signIns.invalidate() }
                            }
                        }
                    } catch is CancellationError {
                        return
                    } catch {
                        signIns.setListening(false)
                        logger.warning("LISTEN for directory changes failed; retrying", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}

/// Whether one `LISTEN` of the listener still runs.
private final class ListeningFlag: Sendable {
    private let on = Mutex(true)

    /// Whether it runs.
    var isOn: Bool { on.withLock { $0 } }

    /// It has ended.
    func end() { on.withLock { $0 = false } }
}
