//! The model: what the simulated world is and how a scanning worm behaves
//! in it. W32/Blaster is the reference case, and the world generator builds
//! its internet; any worm, Code Red and Slammer included, is described by
//! the composable pieces of [`behaviour`].
//!
//! - [`world`]: the IPv4 space with its hosts, NAT LANs and firewalled
//!   enterprise networks, generated deterministically from a scenario
//!   ([`generate`]) or built by hand ([`WorldBuilder`]), and the sorted
//!   address [`view`]s the engine skips over.
//! - [`service`]: the worm's services and the firewall policies that drop
//!   them; [`site`]: NAT LANs and firewalled networks (leaves).
//! - [`net`]: who can reach whom on which port: NAT, border firewalls;
//!   [`reach`]: the same at a moment of a run, with its defenses.
//! - [`defense`]: the defenses of one run, drawn once: which networks
//!   filter and which hosts are protected, from when.
//! - [`blaster`]: the worm's decisions (start address, exploit guess) and
//!   timings, and what an exploit does to a victim.
//! - [`behaviour`]: a worm as targeting, delivery, rate limit and stop
//!   rule, read by the engines instead of a worm's name.
//! - [`targeting`]: where each probe goes, one address at a time:
//!   sequential, uniform random, local preference, hit list, permutation
//!   scanning; the references the engines' exact drivers agree with.
//! - [`availability`]: when hosts are online and where (time zones per
//!   network, daily schedules by kind of host, DHCP address churn, mobile
//!   hosts); pure functions of seed, host and time for the engines. Which
//!   office machines are mobile, and where their home is, the world says
//!   ([`World::home_of`]).
//! - [`rng`]: the one way randomness is derived from the scenario seed.
//!
//! Nothing here advances time or keeps dynamic state: that is the engine's
//! job. This crate does no I/O (the IANA registry is compiled in).

pub mod addr;
pub mod availability;
pub mod behaviour;
pub mod blaster;
pub mod defense;
pub mod generate;
pub mod host;
/// The IANA registry, read by the scenario crate (which checks a start date
/// against it); here under its old path.
pub use wormscope_scenario::iana;
pub mod net;
pub mod reach;
pub mod rng;
pub mod service;
pub mod site;
pub mod targeting;
pub mod view;
pub mod world;

pub use host::{Host, HostId, NO_SITE, Os, SiteId};
pub use site::{Site, SiteKind};
pub use world::{World, WorldBuilder};
