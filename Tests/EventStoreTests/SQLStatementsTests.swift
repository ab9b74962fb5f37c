import Testing

@testable import EventStore

@Suite("Splitting migration files into statements")
struct SQLStatementsTests {
    @Test("semicolons end statements; trailing comments and blanks are dropped")
    func plainStatements() {
        let statements = SQLStatements.split("CREATE TABLE a (x int);\n\nINSERT INTO a VALUES (1);\n-- done\n")
        #expect(statements == ["CREATE TABLE a (x int)", "INSERT INTO a VALUES (1)"])
    }

    @Test("semicolons inside strings, identifiers, comments and dollar quotes do not split")
    func hiddenSemicolons() {
        let sql = """
            INSERT INTO t VALUES ('a;b', 'it''s;', E'\\';x');
            CREATE TABLE "odd;name" (x int); -- a comment; with a semicolon
            /* block; /* nested; */ still comment; */
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN RAISE EXCEPTION 'no; never'; END
            $body$;
            SELECT $$one;two$$
            """
        let statements = SQLStatements.split(sql)
        #expect(statements.count == 4)
        #expect(statements[0] == "INSERT INTO t VALUES ('a;b', 'it''s;', E'\\';x')")
        #expect(statements[1] == #"CREATE TABLE "odd;name" (x int)"#)
        #expect(statements[2].hasSuffix("$body$"))
        #expect(statements[2].contains("RAISE EXCEPTION 'no; never'; END"))
        #expect(statements[3] == "SELECT $$one;two$$")
    }

    @Test("positional parameters are not dollar quotes")
    func positionalParameters() {
        #expect(SQLStatements.split("SELECT $1; SELECT 2") == ["SELECT $1", "SELECT 2"])
    }
}
