//! UTC calendar windows (minute, hour, day) from UNIX seconds.
//!
//! UNIX time has no leap seconds: every UTC day is exactly 86 400 s long and
//! starts at a multiple of 86 400, every hour at a multiple of 3 600, every
//! minute at a multiple of 60. So a window id is an integer division of the
//! whole seconds, exact for any date (leap days and year ends included).

use super::LimitsError;

/// The kind of a limit window, named as in the configuration (`minutely`,
/// `hourly`, `daily`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowKind {
    Minute = 0,
    Hour = 1,
    Day = 2,
}

impl WindowKind {
    /// Every kind, in index order.
    pub const ALL: [WindowKind; 3] = [WindowKind::Minute, WindowKind::Hour, WindowKind::Day];

    /// Length of the window in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            WindowKind::Minute => 60,
            WindowKind::Hour => 3_600,
            WindowKind::Day => 86_400,
        }
    }

    /// Position in `[Option<u64>; 3]`-like tables.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in the configuration: `minutely`, `hourly`, `daily`.
    pub fn config_name(self) -> &'static str {
        match self {
            WindowKind::Minute => "minutely",
            WindowKind::Hour => "hourly",
            WindowKind::Day => "daily",
        }
    }

    /// The name used in Redis keys: `minute`, `hour`, `day`.
    pub fn key_name(self) -> &'static str {
        match self {
            WindowKind::Minute => "minute",
            WindowKind::Hour => "hour",
            WindowKind::Day => "day",
        }
    }

    /// Parses a configuration name (`minutely`, `hourly`, `daily`).
    pub fn from_config_name(name: &str) -> Option<WindowKind> {
        match name {
            "minutely" => Some(WindowKind::Minute),
            "hourly" => Some(WindowKind::Hour),
            "daily" => Some(WindowKind::Day),
            _ => None,
        }
    }

    /// How long a shared counter of this kind lives: two window lengths,
    /// counted from a write and not from the window's end, so counters of
    /// video time in the past still live while they are used (`shared_ttl`).
    pub fn ttl_seconds(self) -> i64 {
        2 * self.seconds()
    }

    /// The ttl argument of a shared counter of window `now` written at wall
    /// clock `clock`: `ttl_seconds()` when `now` is within a sixth of a window
    /// of the clock (a live stream: an expiry set with the window's first
    /// credit outlasts the window, even with a client's clock skewed by a
    /// quarter window), else its negation, asking for the expiry to be
    /// refreshed by every write (video time elsewhere, e.g. a recorded
    /// video read slower than real time, may use one window for longer).
    pub fn shared_ttl(self, now: f64, clock: f64) -> i64 {
        if (now - clock).abs() * 6.0 <= self.seconds() as f64 {
            self.ttl_seconds()
        } else {
            -self.ttl_seconds()
        }
    }

    /// The id of the window that `now` (UNIX seconds, finite) falls in:
    /// `floor(now / length)`. Whole seconds are taken first so the division is
    /// exact integer arithmetic (no rounding up at a boundary).
    pub fn window_id(self, now: f64) -> i64 {
        // `as` saturates for out-of-range floats, which only matters for dates
        // billions of years away.
        (now.floor() as i64).div_euclid(self.seconds())
    }

    /// The UNIX second at which window `id` starts.
    pub fn window_start(self, id: i64) -> i64 {
        id.saturating_mul(self.seconds())
    }
}

/// Checks a caller's `now`: it must be a finite number of UNIX seconds.
pub fn check_now(now: f64) -> Result<f64, LimitsError> {
    if now.is_finite() {
        Ok(now)
    } else {
        Err(LimitsError::InvalidNow(now))
    }
}

/// The current time in UNIX seconds (the clock used when `now` is not given).
pub fn clock_now() -> f64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => since.as_secs_f64(),
        // A clock before 1970: negative seconds, still a valid window.
        Err(before) => -before.duration().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::WindowKind::{Day, Hour, Minute};
    use super::*;

    /// 2024-02-29T00:00:00Z, a leap day.
    const LEAP_DAY: i64 = 1_709_164_800;

    #[test]
    fn minute_boundaries() {
        let t = 1_700_000_040.0; // 2023-11-14T22:14:00Z, a minute start
        assert_eq!(Minute.window_id(t - 0.000_001), Minute.window_id(t) - 1);
        assert_eq!(Minute.window_id(t), Minute.window_id(t + 59.999_999));
        assert_eq!(Minute.window_id(t + 60.0), Minute.window_id(t) + 1);
        assert_eq!(
            Minute.window_start(Minute.window_id(t + 30.5)),
            1_700_000_040
        );
    }

    #[test]
    fn just_below_a_boundary_stays_in_the_earlier_window() {
        // The largest double below 1_700_000_040: dividing it by 60 in floating
        // point would round up to the next minute; whole seconds first avoid that.
        let t = f64::from_bits(1_700_000_040.0f64.to_bits() - 1);
        assert!(t < 1_700_000_040.0);
        assert_eq!(Minute.window_id(t), 1_700_000_040 / 60 - 1);
    }

    #[test]
    fn hour_and_day_boundaries() {
        let midnight = 1_704_067_200.0; // 2024-01-01T00:00:00Z
        assert_eq!(Day.window_id(midnight - 1.0) + 1, Day.window_id(midnight));
        assert_eq!(Hour.window_id(midnight - 1.0) + 1, Hour.window_id(midnight));
        assert_eq!(
            Minute.window_id(midnight - 1.0) + 1,
            Minute.window_id(midnight)
        );
        // New Year's Eve 23:59:59 and the last hour of 2023 share the day window.
        assert_eq!(
            Day.window_id(midnight - 1.0),
            Day.window_id(midnight - 86_400.0)
        );
        assert_eq!(
            Day.window_start(Day.window_id(midnight + 43_200.0)),
            1_704_067_200
        );
    }

    #[test]
    fn leap_day_is_a_whole_day_of_its_own() {
        let feb28 = Day.window_id((LEAP_DAY - 1) as f64);
        let feb29 = Day.window_id(LEAP_DAY as f64);
        let mar1 = Day.window_id((LEAP_DAY + 86_400) as f64);
        assert_eq!(feb29, feb28 + 1);
        assert_eq!(mar1, feb29 + 1);
        assert_eq!(Day.window_id((LEAP_DAY + 86_399) as f64), feb29);
        // 2024-02-29 is day 19 782 since the epoch.
        assert_eq!(feb29, 19_782);
        assert_eq!(Hour.window_id((LEAP_DAY + 86_399) as f64), feb29 * 24 + 23);
    }

    #[test]
    fn before_the_epoch_rounds_down() {
        assert_eq!(Minute.window_id(-0.5), -1);
        assert_eq!(Minute.window_id(-60.0), -1);
        assert_eq!(Minute.window_id(-60.5), -2);
        assert_eq!(Day.window_id(-1.0), -1);
    }

    #[test]
    fn names_round_trip() {
        for kind in WindowKind::ALL {
            assert_eq!(WindowKind::from_config_name(kind.config_name()), Some(kind));
            assert_eq!(kind.ttl_seconds(), 2 * kind.seconds());
        }
        assert_eq!(WindowKind::from_config_name("weekly"), None);
    }

    #[test]
    fn now_must_be_finite() {
        assert!(check_now(f64::NAN).is_err());
        assert!(check_now(f64::INFINITY).is_err());
        assert_eq!(check_now(12.5).ok(), Some(12.5));
        assert!(clock_now() > 1.6e9);
    }

    #[test]
    fn live_windows_expire_from_their_first_credit_others_from_every_write() {
        let clock = 1_700_000_000.0;
        assert_eq!(Minute.shared_ttl(clock, clock), 120);
        assert_eq!(Minute.shared_ttl(clock - 10.0, clock), 120);
        assert_eq!(Minute.shared_ttl(clock + 10.0, clock), 120);
        assert_eq!(Minute.shared_ttl(clock - 10.5, clock), -120);
        assert_eq!(Hour.shared_ttl(clock - 600.0, clock), 7_200);
        assert_eq!(Hour.shared_ttl(clock - 601.0, clock), -7_200);
        assert_eq!(Day.shared_ttl(clock - 365.0 * 86_400.0, clock), -172_800);
    }
}
