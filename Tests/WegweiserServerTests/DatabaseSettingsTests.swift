import PostgresNIO
import Testing

@testable import WegweiserServer

@Suite("Database URLs")
struct DatabaseSettingsTests {
    @Test("user and password are percent-decoded exactly once, so any password can be written in a URL")
    func percentDecodedOnce() throws {
        let configuration = try PostgresClient.Configuration(url: "postgres://us%40er:p%2541ss%3Aw%2F@db.example:5433/wegweiser")
        #expect(configuration.username == "us@er")
        #expect(configuration.password == "p%41ss:w/")
        #expect(configuration.host == "db.example" && configuration.port == 5433 && configuration.database == "wegweiser")
    }

    @Test("a URL without a user or with an unknown sslmode is refused, saying why")
    func refused() {
        #expect(throws: DatabaseURLError.self) { try PostgresClient.Configuration(url: "postgres://db.example/wegweiser") }
        let error = #expect(throws: DatabaseURLError.self) {
            try PostgresClient.Configuration(url: "postgres://u:p@db.example/wegweiser?sslmode=sometimes")
        }
        #expect(error?.description.contains("sslmode=sometimes") == true)
    }
}
