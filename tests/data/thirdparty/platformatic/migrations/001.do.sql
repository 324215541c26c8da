-- Platformatic DB's own quick-start schema (docs.platformatic.dev, "Movie Quotes App"): movies,
-- and the quotes said in them. SQLite enforces the foreign key (better-sqlite3 turns it on).
CREATE TABLE movies (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  year INTEGER,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE quotes (
  id INTEGER PRIMARY KEY,
  quote TEXT NOT NULL,
  said_by VARCHAR(255),
  movie_id INTEGER NOT NULL REFERENCES movies(id)
);
