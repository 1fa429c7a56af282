//! Travel profiles and the OSM tag rules that decide which ways each may use.
//!
//! The rules are deliberately small and listed in one place so a reader can check
//! them against the domain: volunteers on foot go everywhere a person may walk
//! (including compound paths tagged `access=private`, because they are the
//! residents' committee); tricycles and vans respect one-way streets and access
//! restrictions, so they stop at the compound gate.

use std::fmt;
use std::str::FromStr;

/// How a squad moves.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Volunteers on foot.
    Walk,
    /// E-bike or electric tricycle.
    Bike,
    /// A delivery van.
    Car,
}

/// What a profile may do on one OSM way.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct WayRule {
    /// May travel in the way's node order.
    pub forward: bool,
    /// May travel against the way's node order.
    pub backward: bool,
    /// Speed along the way in km/h.
    pub speed_kmh: f64,
}

impl Profile {
    /// All profiles, in the order they are stored in a prepared graph file.
    pub const ALL: [Profile; 3] = [Profile::Walk, Profile::Bike, Profile::Car];

    /// The lower-case name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Walk => "walk",
            Profile::Bike => "bike",
            Profile::Car => "car",
        }
    }

    pub(crate) fn tag(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_tag(tag: u8) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.tag() == tag)
    }

    /// Whether and how this profile may use a way with these tags.
    ///
    /// `tag` looks a key up in the way's tags. Returns `None` for ways the profile
    /// cannot use at all.
    pub fn rule<'a>(self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<WayRule> {
        let highway = tag("highway")?;
        if tag("area") == Some("yes") && highway != "pedestrian" {
            return None;
        }
        match self {
            Profile::Walk => walk_rule(highway, &tag),
            Profile::Bike => bike_rule(highway, &tag),
            Profile::Car => car_rule(highway, &tag),
        }
    }
}

fn is_no(v: Option<&str>) -> bool {
    matches!(v, Some("no"))
}

fn is_yes(v: Option<&str>) -> bool {
    matches!(
        v,
        Some("yes" | "designated" | "permissive" | "destination" | "permit")
    )
}

/// Walking speed on level ground; 5 km/h is the usual planning figure.
pub const WALK_KMH: f64 = 5.0;
/// Effective horizontal speed on steps: half walking speed.
pub const STEPS_KMH: f64 = 2.5;

fn walk_rule<'a>(highway: &str, tag: &impl Fn(&str) -> Option<&'a str>) -> Option<WayRule> {
    let foot = tag("foot");
    if is_no(foot) || is_no(tag("access")) && !is_yes(foot) {
        return None;
    }
    let speed = match highway {
        "footway" | "path" | "pedestrian" | "living_street" | "service" | "residential"
        | "unclassified" | "tertiary" | "tertiary_link" | "secondary" | "secondary_link"
        | "primary" | "primary_link" | "track" | "cycleway" | "road" | "bridleway" | "corridor" => {
            WALK_KMH
        }
        "steps" => STEPS_KMH,
        // Trunk roads only with a sidewalk or explicit foot access.
        "trunk" | "trunk_link" => {
            let sidewalk = tag("sidewalk")
                .or(tag("sidewalk:both"))
                .or(tag("sidewalk:left"))
                .or(tag("sidewalk:right"));
            let has_sidewalk =
                matches!(sidewalk, Some(s) if s != "no" && s != "none" && s != "separate");
            if has_sidewalk || is_yes(foot) {
                WALK_KMH
            } else {
                return None;
            }
        }
        // Motorways never, even with a foot tag (it is almost always an error).
        _ => return None,
    };
    Some(WayRule {
        forward: true,
        backward: true,
        speed_kmh: speed,
    })
}

fn oneway<'a>(highway: &str, tag: &impl Fn(&str) -> Option<&'a str>) -> (bool, bool) {
    let implied = highway == "motorway"
        || highway == "motorway_link"
        || matches!(tag("junction"), Some("roundabout" | "circular"));
    match tag("oneway") {
        Some("yes" | "1" | "true") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("no" | "0" | "false") => (true, true),
        _ if implied => (true, false),
        _ => (true, true),
    }
}

fn bike_rule<'a>(highway: &str, tag: &impl Fn(&str) -> Option<&'a str>) -> Option<WayRule> {
    let bicycle = tag("bicycle");
    if is_no(bicycle) {
        return None;
    }
    let access = tag("access");
    let vehicle = tag("vehicle");
    if (matches!(access, Some("no" | "private")) || matches!(vehicle, Some("no" | "private")))
        && !is_yes(bicycle)
    {
        return None;
    }
    let speed = match highway {
        "cycleway" | "residential" | "unclassified" | "tertiary" | "tertiary_link"
        | "secondary" | "secondary_link" | "primary" | "primary_link" | "road" | "service" => 15.0,
        "living_street" => 10.0,
        "track" | "path" => 12.0,
        // Pushed through pedestrian areas and along footways where cycling is allowed.
        "pedestrian" | "footway" if is_yes(bicycle) => 10.0,
        "pedestrian" => 6.0,
        "trunk" | "trunk_link" if is_yes(bicycle) => 15.0,
        _ => return None,
    };
    let (mut fwd, mut bwd) = oneway(highway, tag);
    if matches!(tag("oneway:bicycle"), Some("no"))
        || matches!(tag("cycleway"), Some(c) if c.starts_with("opposite"))
    {
        fwd = true;
        bwd = true;
    }
    Some(WayRule {
        forward: fwd,
        backward: bwd,
        speed_kmh: speed,
    })
}

/// Default van speeds by road class in km/h, used when `maxspeed` is absent.
fn car_class_speed(highway: &str) -> Option<f64> {
    Some(match highway {
        "motorway" => 90.0,
        "motorway_link" => 45.0,
        "trunk" => 70.0,
        "trunk_link" => 40.0,
        "primary" => 50.0,
        "primary_link" => 40.0,
        "secondary" => 45.0,
        "secondary_link" => 35.0,
        "tertiary" => 40.0,
        "tertiary_link" => 30.0,
        "unclassified" => 30.0,
        "residential" | "road" => 25.0,
        "living_street" => 10.0,
        "service" => 15.0,
        _ => return None,
    })
}

/// Parses `maxspeed` values such as `50`, `50 km/h`, `30 mph`; `None` for
/// symbolic values (`signals`, `CN:urban`), which fall back to the class speed.
pub(crate) fn parse_maxspeed(v: &str) -> Option<f64> {
    let v = v.trim();
    let (num, factor) = if let Some(n) = v.strip_suffix("mph") {
        (n.trim(), 1.609_344)
    } else if let Some(n) = v.strip_suffix("km/h") {
        (n.trim(), 1.0)
    } else {
        (v, 1.0)
    };
    let x: f64 = num.parse().ok()?;
    (x.is_finite() && x > 0.0).then_some(x * factor)
}

fn car_rule<'a>(highway: &str, tag: &impl Fn(&str) -> Option<&'a str>) -> Option<WayRule> {
    let class_speed = car_class_speed(highway)?;
    let allowed = |v: Option<&str>| {
        matches!(
            v,
            Some("yes" | "designated" | "permissive" | "destination" | "delivery")
        )
    };
    let denied =
        |v: Option<&str>| matches!(v, Some("no" | "private" | "agricultural" | "forestry"));
    let specific = tag("motorcar").or(tag("motor_vehicle"));
    if denied(specific) {
        return None;
    }
    if !allowed(specific) && (denied(tag("access")) || denied(tag("vehicle"))) {
        return None;
    }
    // A tagged limit is a ceiling, not the speed a van reaches in town: 90 % of it,
    // never above the class speed by more than the tag allows.
    let speed = match tag("maxspeed").and_then(parse_maxspeed) {
        Some(limit) => (limit * 0.9).clamp(5.0, 130.0),
        None => class_speed,
    };
    let (fwd, bwd) = oneway(highway, tag);
    Some(WayRule {
        forward: fwd,
        backward: bwd,
        speed_kmh: speed,
    })
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for an unknown profile name.
#[derive(Debug, thiserror::Error)]
#[error("unknown profile {0:?} (expected walk, bike or car)")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        match s {
            "walk" => Ok(Profile::Walk),
            "bike" => Ok(Profile::Bike),
            "car" => Ok(Profile::Car),
            other => Err(UnknownProfile(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(p: Profile, tags: &[(&'static str, &'static str)]) -> Option<WayRule> {
        p.rule(|k| tags.iter().find(|(key, _)| *key == k).map(|(_, v)| *v))
    }

    #[test]
    fn walk_ignores_oneway_and_private_but_not_motorways() {
        let r = rule(
            Profile::Walk,
            &[("highway", "residential"), ("oneway", "yes")],
        )
        .unwrap();
        assert!(r.forward && r.backward);
        assert!(rule(
            Profile::Walk,
            &[("highway", "service"), ("access", "private")]
        )
        .is_some());
        assert!(rule(Profile::Walk, &[("highway", "motorway")]).is_none());
        assert!(rule(Profile::Walk, &[("highway", "trunk")]).is_none());
        assert!(rule(Profile::Walk, &[("highway", "trunk"), ("sidewalk", "both")]).is_some());
        assert!(rule(Profile::Walk, &[("highway", "footway"), ("foot", "no")]).is_none());
        assert_eq!(
            rule(Profile::Walk, &[("highway", "steps")])
                .unwrap()
                .speed_kmh,
            STEPS_KMH
        );
    }

    #[test]
    fn bike_respects_oneway_unless_exempt() {
        let r = rule(
            Profile::Bike,
            &[("highway", "residential"), ("oneway", "yes")],
        )
        .unwrap();
        assert!(r.forward && !r.backward);
        let r = rule(
            Profile::Bike,
            &[
                ("highway", "residential"),
                ("oneway", "yes"),
                ("oneway:bicycle", "no"),
            ],
        )
        .unwrap();
        assert!(r.forward && r.backward);
        assert!(rule(Profile::Bike, &[("highway", "steps")]).is_none());
        assert!(rule(
            Profile::Bike,
            &[("highway", "service"), ("access", "private")]
        )
        .is_none());
        assert!(rule(
            Profile::Bike,
            &[
                ("highway", "service"),
                ("access", "private"),
                ("bicycle", "yes")
            ]
        )
        .is_some());
    }

    #[test]
    fn car_access_oneway_and_speeds() {
        assert!(rule(
            Profile::Car,
            &[("highway", "service"), ("access", "private")]
        )
        .is_none());
        assert!(rule(
            Profile::Car,
            &[("highway", "residential"), ("motor_vehicle", "no")]
        )
        .is_none());
        assert!(rule(Profile::Car, &[("highway", "footway")]).is_none());
        let m = rule(Profile::Car, &[("highway", "motorway")]).unwrap();
        assert!(m.forward && !m.backward);
        assert_eq!(m.speed_kmh, 90.0);
        let r = rule(Profile::Car, &[("highway", "primary"), ("maxspeed", "60")]).unwrap();
        assert!((r.speed_kmh - 54.0).abs() < 1e-9);
        let r = rule(
            Profile::Car,
            &[("highway", "primary"), ("maxspeed", "CN:urban")],
        )
        .unwrap();
        assert_eq!(r.speed_kmh, 50.0);
        let r = rule(
            Profile::Car,
            &[("highway", "residential"), ("oneway", "-1")],
        )
        .unwrap();
        assert!(!r.forward && r.backward);
        assert!(rule(
            Profile::Car,
            &[("highway", "residential"), ("junction", "roundabout")]
        )
        .is_some_and(|r| !r.backward));
        assert_eq!(parse_maxspeed("30 mph").map(|x| x.round()), Some(48.0));
    }
}
