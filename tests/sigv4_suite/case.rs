//! A vector case: its folder, context and the request as received.

use super::*;

/// One case folder in one form: its context and files.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) form: &'static str,
    pub(crate) dir: PathBuf,
    pub(crate) context: Value,
    pub(crate) now: u64,
    pub(crate) rules: Rules,
}

impl Case {
    pub(crate) fn load(root: &Path, name: &str, form: &'static str) -> Self {
        let dir = root.join(name);
        let context: Value = serde_json::from_str(&read(&dir.join("context.json"))).expect("json");
        let timestamp = context["timestamp"].as_str().unwrap_or_default();
        let now = parse_amz_date(&timestamp.replace(['-', ':'], "")).expect("timestamp");
        let rules = match context["normalize"].as_bool() {
            Some(true) => Rules::Standard,
            _ => Rules::S3,
        };
        let name = name.to_owned();
        Case {
            name,
            form,
            now,
            rules,
            dir,
            context,
        }
    }

    /// A string in the context, or `""`.
    pub(crate) fn text(&self, pointer: &str) -> &str {
        self.context
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The contents of `<form>-<suffix>`.
    pub(crate) fn file(&self, suffix: &str) -> String {
        read(&self.dir.join(format!("{}-{suffix}", self.form)))
    }

    pub(crate) fn fail(&self, what: impl std::fmt::Display) -> String {
        format!("{} ({}): {what}", self.name, self.form)
    }

    pub(crate) fn same_as_file(&self, suffix: &str, got: &str) -> Result<(), String> {
        self.same(suffix, got, self.file(suffix).trim_end_matches('\n'))
    }

    pub(crate) fn same_as_context(&self, pointer: &str, got: &str) -> Result<(), String> {
        self.same(pointer, got, self.text(pointer))
    }

    pub(crate) fn same(&self, what: &str, got: &str, want: &str) -> Result<(), String> {
        match got == want {
            true => Ok(()),
            false => Err(self.fail(format!("{what}:\n--- got\n{got}\n--- want\n{want}"))),
        }
    }

    pub(crate) fn secret(&self) -> SecretKey {
        SecretKey::new(self.text("/credentials/secret_access_key").into())
    }
}

pub(crate) fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A request as received: method, path, raw query, headers, body.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) raw_target: bool,
}

impl Received {
    /// Reads an HTTP/1.1 message as the vectors write it (LF line ends).
    pub(crate) fn from_message(text: &str, rules: Rules) -> Self {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let (method, rest) = lines
            .next()
            .and_then(|line| line.split_once(' '))
            .expect("method");
        let (target, _version) = rest.rsplit_once(' ').expect("version");
        let target = match rules {
            Rules::S3 => target.replace(' ', "%20"),
            Rules::Standard => target.to_owned(),
        };
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (target.clone(), None),
        };
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in lines {
            match (line.starts_with([' ', '\t']), fields.last_mut()) {
                (true, Some((_, value))) => value.push_str(&format!(" {}", line.trim())),
                _ => {
                    let (name, value) = line.split_once(':').expect("header line");
                    fields.push((name.to_owned(), value.trim().to_owned()));
                }
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in fields {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
            headers.append(name, HeaderValue::from_str(&value).expect("header value"));
        }
        Received {
            method: method.to_owned(),
            raw_target: target.parse::<Uri>().is_err(),
            path,
            query,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    pub(crate) fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            authority: None,
        }
    }

    /// As `http` request parts, the way a server receives it; `None` for a target no HTTP
    /// parser accepts.
    pub(crate) fn parts(&self) -> Option<Parts> {
        if self.raw_target {
            return None;
        }
        let query = self.query.as_ref().map(|query| format!("?{query}"));
        let uri = format!("{}{}", self.path, query.unwrap_or_default());
        let request = Request::builder().method(self.method.as_str()).uri(uri);
        let mut parts = request.body(()).ok()?.into_parts().0;
        parts.headers = self.headers.clone();
        Some(parts)
    }

    pub(crate) fn authorization(&self) -> Result<Option<Authorization>, SigV4Error> {
        match self.parts() {
            Some(parts) => parse(&parts),
            None => parse_view(&self.view()),
        }
    }

    /// Parses the signature and verifies the request at `now`.
    pub(crate) fn check(&self, case: &Case, now: u64) -> Result<Verified, SigV4Error> {
        let unsigned = || SigV4Error::MalformedAuthorization("no signature".into());
        let auth = self.authorization()?.ok_or_else(unsigned)?;
        let (payload, secret) = (PayloadHash::of(&self.body), case.secret());
        match self.parts() {
            Some(parts) => verify(&parts, &auth, case.rules, payload, &secret, now),
            None => verify_view(&self.view(), &auth, case.rules, payload, &secret, now),
        }
    }
}
