package awstest

// The protocol adapter in front of goaws. It exists only because goaws
// v0.4.5 predates the SQS JSON 1.0 protocol and SNS PublishBatch (see the
// package comment); it handles exactly the calls gocloud.dev/pubsub/
// awssnssqs v0.49.0 makes, and passes everything else to goaws as is.

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/Admiral-Piett/goaws/app"
)

type adapter struct{ goaws http.Handler }

func (a adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS."); ok {
		a.sqsJSON(w, r, op)
		return
	}
	if r.Method == http.MethodPost && r.FormValue("Action") == "PublishBatch" {
		a.publishBatch(w, r)
		return
	}
	a.goaws.ServeHTTP(w, r)
}

// JSON 1.0 shapes of the SQS calls gocloud makes. A batch answer lists
// the entries that succeeded and those that failed.
type (
	jsonAttr struct {
		DataType    string
		StringValue string `json:",omitempty"`
		BinaryValue []byte `json:",omitempty"`
	}
	jsonEntry struct {
		Id, MessageBody, ReceiptHandle string
		MessageAttributes              map[string]jsonAttr
		VisibilityTimeout              int
	}
	jsonRequest struct {
		QueueUrl            string
		Entries             []jsonEntry
		MaxNumberOfMessages int
		WaitTimeSeconds     int
	}
	jsonFailure struct {
		Id, Code, Message string
		SenderFault       bool
	}
	jsonSuccess struct {
		Id                                                  string
		MessageId, MD5OfMessageBody, MD5OfMessageAttributes string `json:",omitempty"`
	}
	jsonBatchResult struct {
		Successful []jsonSuccess
		Failed     []jsonFailure
	}
	jsonMessage struct {
		MessageId, ReceiptHandle, MD5OfBody, Body string
		MD5OfMessageAttributes                    string `json:",omitempty"`
		Attributes                                map[string]string
		MessageAttributes                         map[string]jsonAttr `json:",omitempty"`
	}
)

func (a adapter) sqsJSON(w http.ResponseWriter, r *http.Request, op string) {
	var req jsonRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSONError(w, http.StatusBadRequest, queryError{"InvalidParameterValue", err.Error()})
		return
	}
	base := url.Values{"QueueUrl": {req.QueueUrl}}
	var out any
	switch op {
	case "ReceiveMessage":
		form := with(base, "Action", "ReceiveMessage")
		form.Set("MaxNumberOfMessages", strconv.Itoa(max(1, req.MaxNumberOfMessages)))
		form.Set("WaitTimeSeconds", strconv.Itoa(req.WaitTimeSeconds))
		status, body := queryCall(a.goaws, form)
		if status != http.StatusOK {
			writeJSONError(w, status, parseQueryError(status, body))
			return
		}
		var res app.ReceiveMessageResponse
		if err := xml.Unmarshal(body, &res); err != nil {
			writeJSONError(w, http.StatusInternalServerError, queryError{"InternalError", err.Error()})
			return
		}
		msgs := []jsonMessage{}
		for _, m := range res.Result.Message {
			jm := jsonMessage{MessageId: m.MessageId, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody,
				Body: string(m.Body), MD5OfMessageAttributes: m.MD5OfMessageAttributes, Attributes: map[string]string{}}
			for _, at := range m.Attributes {
				jm.Attributes[at.Name] = at.Value
			}
			for _, ma := range m.MessageAttributes {
				if jm.MessageAttributes == nil {
					jm.MessageAttributes = map[string]jsonAttr{}
				}
				jm.MessageAttributes[ma.Name] = jsonAttr{DataType: ma.Value.DataType, StringValue: ma.Value.StringValue}
			}
			msgs = append(msgs, jm)
		}
		out = map[string]any{"Messages": msgs}
	case "SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch":
		// One goaws call per entry: goaws' SendMessageBatch drops message
		// attributes, and it has no ChangeMessageVisibilityBatch.
		res := jsonBatchResult{Successful: []jsonSuccess{}, Failed: []jsonFailure{}}
		for _, e := range req.Entries {
			form := with(base, "ReceiptHandle", e.ReceiptHandle)
			switch op {
			case "SendMessageBatch":
				form = with(base, "Action", "SendMessage")
				form.Set("MessageBody", e.MessageBody)
				setAttrs(form, "MessageAttribute.%d.", "Name", e.MessageAttributes)
			case "DeleteMessageBatch":
				form.Set("Action", "DeleteMessage")
			default:
				form.Set("Action", "ChangeMessageVisibility")
				form.Set("VisibilityTimeout", strconv.Itoa(e.VisibilityTimeout))
			}
			status, body := queryCall(a.goaws, form)
			if status != http.StatusOK {
				qe := parseQueryError(status, body)
				res.Failed = append(res.Failed, jsonFailure{Id: e.Id, Code: qe.Code, Message: qe.Message, SenderFault: status < 500})
				continue
			}
			s := jsonSuccess{Id: e.Id}
			if op == "SendMessageBatch" {
				var sent app.SendMessageResponse
				if err := xml.Unmarshal(body, &sent); err != nil {
					res.Failed = append(res.Failed, jsonFailure{Id: e.Id, Code: "InternalError", Message: err.Error()})
					continue
				}
				s.MessageId, s.MD5OfMessageBody = sent.Result.MessageId, sent.Result.MD5OfMessageBody
				s.MD5OfMessageAttributes = sent.Result.MD5OfMessageAttributes
			}
			res.Successful = append(res.Successful, s)
		}
		out = res
	default:
		writeJSONError(w, http.StatusBadRequest, queryError{"UnsupportedOperation",
			"awstest: the adapter in front of goaws does not translate " + op})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

// setAttrs adds message attributes to a query form, as
// prefix(i)Name, prefix(i)Value.DataType, prefix(i)Value.StringValue, in
// name order.
func setAttrs(form url.Values, prefix, nameField string, attrs map[string]jsonAttr) {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		p := fmt.Sprintf(prefix, i+1)
		form.Set(p+nameField, n)
		form.Set(p+"Value.DataType", attrs[n].DataType)
		if attrs[n].StringValue != "" {
			form.Set(p+"Value.StringValue", attrs[n].StringValue)
		}
	}
}

// with returns a copy of v with k set to value.
func with(v url.Values, k, value string) url.Values {
	c := url.Values{}
	for key, vs := range v {
		c[key] = append([]string(nil), vs...)
	}
	c.Set(k, value)
	return c
}

// writeJSONError answers as the JSON 1.0 protocol does: the error code in
// __type, the same HTTP status.
func writeJSONError(w http.ResponseWriter, status int, e queryError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + e.Code, "message": e.Message})
}

// publishBatch does SNS PublishBatch (query protocol) as one goaws
// Publish per entry: entry N's fields are PublishBatchRequestEntries.member.N.FIELD
// and become Publish's FIELD.
func (a adapter) publishBatch(w http.ResponseWriter, r *http.Request) {
	const entries = "PublishBatchRequestEntries.member."
	forms := map[int]url.Values{}
	for k, vs := range r.PostForm {
		rest, ok := strings.CutPrefix(k, entries)
		if !ok {
			continue
		}
		n, field, ok := strings.Cut(rest, ".")
		i, err := strconv.Atoi(n)
		if !ok || err != nil {
			continue
		}
		if forms[i] == nil {
			forms[i] = url.Values{"Action": {"Publish"}, "TopicArn": {r.PostFormValue("TopicArn")}}
		}
		forms[i][field] = vs
	}
	type (
		success struct{ Id, MessageId string }
		failure struct {
			Id, Code, Message string
			SenderFault       bool
		}
	)
	var res struct {
		XMLName    xml.Name  `xml:"PublishBatchResponse"`
		Xmlns      string    `xml:"xmlns,attr"`
		Successful []success `xml:"PublishBatchResult>Successful>member"`
		Failed     []failure `xml:"PublishBatchResult>Failed>member"`
		RequestID  string    `xml:"ResponseMetadata>RequestId"`
	}
	res.Xmlns, res.RequestID = "http://sns.amazonaws.com/doc/2010-03-31/", "awstest"
	keys := make([]int, 0, len(forms))
	for i := range forms {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	for _, i := range keys {
		form := forms[i]
		id := form.Get("Id")
		form.Del("Id")
		status, body := queryCall(a.goaws, form)
		var published struct {
			MessageId string `xml:"PublishResult>MessageId"`
		}
		if status != http.StatusOK || xml.Unmarshal(body, &published) != nil {
			qe := parseQueryError(status, body)
			res.Failed = append(res.Failed, failure{Id: id, Code: qe.Code, Message: qe.Message, SenderFault: status < 500})
			continue
		}
		res.Successful = append(res.Successful, success{Id: id, MessageId: published.MessageId})
	}
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(res)
}
