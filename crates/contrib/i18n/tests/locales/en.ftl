greeter-hello = Hello, { $name }!
greeter-items = { $count ->
    [one] One item
   *[other] { $count } items
}
