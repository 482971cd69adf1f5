"""The naive baseline for bench/rate_http.py: the Flask-SQLAlchemy app one would write first.
One ORM insert and one commit per request, SQLite's default journal (rollback journal,
synchronous=FULL), served by waitress with 4 threads. Not part of the product.

Run: python bench/naive_app.py DB_PATH PORT
"""
import sys
from datetime import datetime

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from waitress import serve

db = SQLAlchemy()


class Rating(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    invitation_id = db.Column(db.Integer, unique=True)
    level = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)


def create_app(path: str) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    db.init_app(app)

    @app.post("/rate")
    def rate():
        body = request.get_json()
        rating = Rating(invitation_id=body["invitation_id"], level=body["level"])
        db.session.add(rating)
        db.session.commit()
        return jsonify({"id": rating.id}), 201

    with app.app_context():
        db.create_all()
    return app


if __name__ == "__main__":
    serve(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), threads=4,
          _quiet=True)
