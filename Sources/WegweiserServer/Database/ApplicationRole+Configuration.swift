public import Configuration
public import EventStore

extension ApplicationRole {
    /// The role of `database.app.role` (`DATABASE_APP_ROLE`, default `wegweiser_app`): the one
    /// the server connects as in production, which migrations run by the owner grant its
    /// privileges.
    public init(reader: ConfigReader) throws {
        try self.init(name: reader.string(forKey: "database.app.role", default: ApplicationRole.defaultName))
    }
}
