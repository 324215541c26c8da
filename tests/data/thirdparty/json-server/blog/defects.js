// Planted defects for apitest's tests: json-server with this file as --middlewares behaves
// like an API broken in one way, named by the DEFECT environment variable (empty: json-server
// unchanged). Each must fail the blog specs beside this file, with a message naming it.
const DEFECT = process.env.DEFECT || "";

// Change every JSON answer of this request before it is sent.
function rewriteJson(res, change) {
  const send = res.send.bind(res);
  res.send = (body) => {
    let data;
    try {
      data = JSON.parse(body);
    } catch (e) {
      return send(body);
    }
    return send(JSON.stringify(change(data)));
  };
}

function eachPost(data, change) {
  const one = (post) => (post && typeof post === "object" ? change(post) || post : post);
  return Array.isArray(data) ? data.map(one) : one(data);
}

module.exports = (req, res, next) => {
  const onePost = /^\/posts\/\d+$/.test(req.path);
  if (DEFECT === "ignore-patch" && req.method === "PATCH" && onePost) {
    req.method = "GET"; // answers 200 with the stored record, changes nothing
  }
  if (DEFECT === "ignore-put" && req.method === "PUT" && onePost) {
    const sent = req.body;
    req.method = "GET"; // echoes what was sent, stores nothing
    rewriteJson(res, (stored) => Object.assign({}, sent, { id: stored.id }));
  }
  if (DEFECT === "fake-delete" && req.method === "DELETE" && onePost) {
    req.method = "GET"; // answers 200 {} as a delete does, deletes nothing
    rewriteJson(res, () => ({}));
  }
  if (DEFECT === "missing-as-200" && req.method === "GET" && onePost) {
    const status = res.status.bind(res); // a record that is not there: 200 {} for 404 {}
    res.status = (code) => status(code === 404 ? 200 : code);
  }
  if (DEFECT === "drop-views" && req.method === "GET") {
    rewriteJson(res, (data) => eachPost(data, (post) => void delete post.views));
  }
  if (DEFECT === "views-as-string" && req.method === "GET") {
    rewriteJson(res, (data) =>
      eachPost(data, (post) => {
        if ("views" in post) post.views = String(post.views);
      }),
    );
  }
  if (DEFECT === "no-total-count" && req.method === "GET" && req.path === "/posts") {
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) =>
      String(name).toLowerCase() === "x-total-count" ? res : setHeader(name, value);
  }
  if (DEFECT === "lose-nested" && req.method === "GET" && /^\/posts\/\d+\/comments$/.test(req.path)) {
    rewriteJson(res, () => []);
  }
  if (DEFECT === "id-in-location-only" && req.method === "POST" && req.path === "/posts") {
    rewriteJson(res, (post) => {
      delete post.id; // json-server's Location (http://host/posts/7) still says where it is
      return post;
    });
  }
  if (DEFECT === "no-id-on-create" && req.method === "POST" && req.path === "/posts") {
    rewriteJson(res, (post) => {
      delete post.id; // stored with its id, answered without it
      return post;
    });
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) => // nor does its Location say where the post is
      String(name).toLowerCase() === "location" ? res : setHeader(name, value);
  }
  if (DEFECT === "create-500" && req.method === "POST" && req.path === "/posts") {
    return res.status(500).json({ error: "boom" }); // every create of a post fails
  }
  if (DEFECT === "error-as-200" && req.method === "POST" && req.path === "/posts") {
    return res.status(200).json({ error: "quota exceeded" });
  }
  next();
};
