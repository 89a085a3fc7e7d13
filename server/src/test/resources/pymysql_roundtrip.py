"""PyMySQL through the Tandem proxy: parameters, unicode, a transaction, an error.

Usage: python3 pymysql_roundtrip.py HOST PORT USER PASSWORD DATABASE
Prints key=value lines that PyMysqlIT asserts on.
"""
import sys
from decimal import Decimal

import pymysql

sys.stdout.reconfigure(encoding="utf-8")
host, port, user, password, database = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]


def connect(autocommit):
    return pymysql.connect(host=host, port=port, user=user, password=password, database=database,
                           charset="utf8mb4", autocommit=autocommit, connect_timeout=10,
                           read_timeout=60, write_timeout=60)


print("pymysql=%s" % pymysql.__version__)
conn = connect(True)
with conn.cursor() as cur:
    cur.execute("SELECT @@server_id")
    print("server_id=%s" % cur.fetchone()[0])
    cur.execute("CREATE TABLE py_items (id INT PRIMARY KEY, name VARCHAR(50), price DECIMAL(8,2),"
                " note VARCHAR(20) NULL) DEFAULT CHARSET=utf8mb4")
    rows = [(1, "plain", Decimal("0.50"), None),
            (2, "Ünïcødé ✓ 🚀", Decimal("12.34"), "it's \"quoted\""),
            (3, "back\\slash", Decimal("99.99"), "x")]
    print("inserted=%d" % cur.executemany(
        "INSERT INTO py_items (id, name, price, note) VALUES (%s, %s, %s, %s)", rows))
    cur.execute("SELECT id, name, price, note FROM py_items WHERE price > %s ORDER BY id", (Decimal("1.00"),))
    for row in cur.fetchall():
        print("row=%d|%s|%s|%s" % row)
    cur.execute("SELECT name FROM py_items WHERE name = %s", ("Ünïcødé ✓ 🚀",))
    print("unicode_match=%d" % len(cur.fetchall()))
    try:
        cur.execute("SELECT * FROM py_no_such_table")
        print("error=none")
    except pymysql.err.MySQLError as e:
        print("error=%d" % e.args[0])
    cur.execute("SELECT 'after error'")
    print("after_error=%s" % cur.fetchone()[0])
conn.close()

tx = connect(False)
with tx.cursor() as cur:
    tx.begin()
    cur.execute("INSERT INTO py_items VALUES (%s, %s, %s, %s)", (100, "rolled back", Decimal("1"), None))
    cur.execute("SELECT COUNT(*) FROM py_items WHERE id = 100")
    print("inside_tx=%d" % cur.fetchone()[0])
    tx.rollback()
    cur.execute("SELECT COUNT(*) FROM py_items WHERE id = 100")
    print("after_rollback=%d" % cur.fetchone()[0])
    tx.commit()
    tx.begin()
    cur.execute("INSERT INTO py_items VALUES (%s, %s, %s, %s)", (101, "committed", Decimal("2"), None))
    tx.commit()
tx.close()

check = connect(True)
with check.cursor() as cur:
    cur.execute("SELECT COUNT(*), SUM(id) FROM py_items")
    count, total = cur.fetchone()
    print("total=%d/%d" % (count, total))
check.close()
print("done")
