//! The API test suite: one binary, a fresh database per test. Runs on SQLite by default and on
//! PostgreSQL when `RIGHTSGRAPH_TEST_DATABASE_URL` names a server (each test creates and drops its
//! own database there).

mod harness;

mod analytics;
mod appeals;
mod auth;
mod bombs;
mod budget;
mod channel;
mod codes;
mod console;
mod demo;
mod deployment;
mod evidence;
mod explain;
mod export;
mod fanout;
mod fixtures;
mod flags;
mod fuzz;
mod graphiql;
mod http;
mod keys;
mod layers;
mod loaders;
mod logs;
mod notifiers;
mod nulls;
mod pages;
mod persisted;
mod planner;
mod process;
mod races;
mod readme;
mod reads;
mod replicas;
mod report;
mod retraction;
mod scale;
mod seeding;
mod standby;
mod statements;
mod subscriptions;
mod websocket;
mod workflow;
mod workflow_support;
